import type { Browser, Page } from 'playwright-core';
import type { TestApp } from '../helpers/app';
import { launchBrowser, openPage } from '../helpers/browser';
import { testDatabases } from '../helpers/databases';
import { contact, customer, offers, P, partners } from '../helpers/fixtures';
import { documentUri, MovableClock, startSigningApp, templateWithDocuments } from '../helpers/signing';

const REQUEST = `mutation ($input: RequestCustomerAcceptanceInput!) { requestCustomerAcceptance(input: $input) { request { id signingUrl status } } }`;
const STATUS = `query ($id: ID!) { customer(id: $id) {
  agreementStatus { status canTransact customerSigned openRequest { id } acceptance { method channel dateAgreed acceptedBy { firstName lastName } } }
  acceptanceRequests { nodes { id status declineReason acceptance { method } } }
} }`;

/** Clicks a submit button and waits for the page it leads to (after the redirect). */
async function submit(page: Page, button: string) {
  const navigation = page.waitForNavigation();
  await page.getByRole('button', { name: button, exact: true }).click();
  return navigation;
}

describe.each(testDatabases())('the signing link end to end, in Chromium (%s)', (kind) => {
  let app: TestApp;
  let browser: Browser;
  let admin: string;
  const clock = new MovableClock();
  let n = 0;

  const freshCustomer = async (companyName: string, primaryContact = contact()) => {
    const id = `E2E-${++n}`;
    await app.seed({ customers: [customer(id, { companyName, primaryContact, partnerIds: [P.direct] })] });
    return id;
  };
  const request = async (input: Record<string, unknown>) => {
    const { body } = await app.gql(admin, REQUEST, { input });
    expect(body.errors).toBeUndefined();
    return body.data!.requestCustomerAcceptance.request as { id: string; signingUrl: string };
  };
  const status = async (id: string) => {
    const { body } = await app.gql(admin, STATUS, { id });
    expect(body.errors).toBeUndefined();
    return body.data!.customer;
  };

  beforeAll(async () => {
    app = await startSigningApp(kind, { clock });
    await app.seed({ partners: partners(), offers: offers(), agreements: [templateWithDocuments()] });
    admin = await app.token(P.direct, ['ADMIN_AGENT'], 'agent-e2e');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('request → open the link (JavaScript off) → German page and the German document → accept → the partner sees FINALIZED and ACCEPTED', async () => {
    const id = await freshCustomer('Fabrikam Werkzeugmaschinen GmbH', contact({ firstName: 'Jana', lastName: 'Becker', email: 'jana@fabrikam.example' }));
    const made = await request({ customerId: id, country: 'DE', language: 'de-DE' });
    const opened = await openPage(browser, made.signingUrl, { javaScript: false });
    try {
      const { page } = opened;
      expect(opened.response?.status()).toBe(200);
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      expect(await page.locator('h1').innerText()).toBe('Zustimmung zum Microsoft-Kundenvertrag');
      const text = await page.locator('body').innerText();
      for (const expected of ['Fabrikam Werkzeugmaschinen GmbH', 'Direct Partner', 'Jana Becker', 'Microsoft-Kundenvertrag, Version 2', 'Link gültig bis']) expect(text).toContain(expected);
      expect(await page.getByRole('link', { name: documentUri('DE', 'de-DE') }).getAttribute('href')).toBe(documentUri('DE', 'de-DE'));

      await page.getByLabel(/Ich habe den Microsoft-Kundenvertrag gelesen/).check();
      await page.getByLabel('Ihr vollständiger Name (erforderlich)').fill('Jana Becker');
      const started = performance.now();
      const response = await submit(page, 'Zustimmen');
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toBe('Vertrag angenommen');
      const now = await status(id);
      console.log(`${kind}: browser accept to the partner reading ACCEPTED: ${(performance.now() - started).toFixed(1)} ms`);
      expect(now.agreementStatus).toMatchObject({
        status: 'ACCEPTED',
        canTransact: true,
        customerSigned: true,
        openRequest: null,
        // Without JavaScript the page sends no local date: the UTC date.
        acceptance: { method: 'CUSTOMER_SIGNED', channel: 'SIGNING_LINK', dateAgreed: new Date().toISOString().slice(0, 10), acceptedBy: { firstName: 'Jana', lastName: 'Becker' } },
      });
      expect(now.acceptanceRequests.nodes[0]).toMatchObject({ id: made.id, status: 'FINALIZED', acceptance: { method: 'CUSTOMER_SIGNED' } });
      // The used link shows its outcome only.
      await page.goto(made.signingUrl);
      expect(await page.locator('form').count()).toBe(0);
    } finally {
      await opened.close();
    }
  });

  it('a request for ko-KR shows the Korean page; declining there is recorded with its reason', async () => {
    const id = await freshCustomer('주식회사 파브리캄', contact({ firstName: '민준', lastName: '김', email: 'minjun@fabrikam.example' }));
    const made = await request({ customerId: id, country: 'KR', language: 'ko-KR' });
    const opened = await openPage(browser, made.signingUrl, { javaScript: true, timezoneId: 'Asia/Seoul' });
    try {
      const { page } = opened;
      expect(await page.getAttribute('html', 'lang')).toBe('ko');
      expect(await page.locator('h1').innerText()).toBe('Microsoft 고객 계약 동의 요청');
      const text = await page.locator('body').innerText();
      expect(text).toContain('김민준');
      expect(text).toContain('주식회사 파브리캄');
      expect(await page.getByRole('link', { name: documentUri('KR', 'ko-KR') }).getAttribute('href')).toBe(documentUri('KR', 'ko-KR'));
      await page.locator('#reason').fill('법무팀 검토가 필요합니다.');
      const response = await submit(page, '거절합니다');
      expect(response?.status()).toBe(200);
      expect(await page.locator('form').count()).toBe(0);
      expect(opened.console).toEqual([]);
    } finally {
      await opened.close();
    }
    const now = await status(id);
    expect(now.acceptanceRequests.nodes[0]).toMatchObject({ status: 'DECLINED', declineReason: '법무팀 검토가 필요합니다.' });
    expect(now.agreementStatus).toMatchObject({ status: 'NOT_ACCEPTED', openRequest: null });
  });

  it("with JavaScript on, BY_PARTNER: the signatory's own date is kept, and becomes dateAgreed when the partner finalizes", async () => {
    const timezoneId = new Date().getUTCHours() >= 12 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
    const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: timezoneId }).format(new Date());
    const id = await freshCustomer('Fabrikam Korea', contact({ firstName: '민준', lastName: '김', email: 'minjun.kim@fabrikam.example' }));
    const made = await request({ customerId: id, country: 'KR', finalize: 'BY_PARTNER' });
    const opened = await openPage(browser, made.signingUrl, { javaScript: true, timezoneId });
    try {
      const { page } = opened;
      await page.getByLabel(/본인은 Microsoft 고객 계약의 내용을 읽었으며/).check();
      await page.getByLabel('서명자 성명 (필수)').fill('김민준');
      expect((await submit(page, '동의합니다'))?.status()).toBe(200);
      expect(opened.console).toEqual([]);
    } finally {
      await opened.close();
    }
    expect((await status(id)).agreementStatus).toMatchObject({ status: 'NOT_ACCEPTED', openRequest: { id: made.id } });
    const { body } = await app.gql(admin, 'mutation ($id: ID!) { finalizeAcceptanceRequest(id: $id) { request { status acceptance { dateAgreed method } } } }', { id: made.id });
    expect(body.data!.finalizeAcceptanceRequest.request).toEqual({ status: 'FINALIZED', acceptance: { dateAgreed: localDate, method: 'CUSTOMER_SIGNED' } });
    expect((await status(id)).agreementStatus).toMatchObject({ status: 'ACCEPTED', customerSigned: true });
  });

  it('an expired link shows the one invalid-link page, and nothing can be answered', async () => {
    const id = await freshCustomer('Contoso Pharma AG');
    const made = await request({ customerId: id, country: 'DE', expiresInMinutes: 5 });
    const opened = await openPage(browser, made.signingUrl, { javaScript: false });
    try {
      clock.offsetMs = 6 * 60_000;
      await opened.page.getByLabel(/Ich habe den Microsoft-Kundenvertrag gelesen/).check();
      await opened.page.getByLabel('Ihr vollständiger Name (erforderlich)').fill('Tania Carr');
      const response = await submit(opened.page, 'Zustimmen');
      expect(response?.status()).toBe(404);
      const again = await opened.page.goto(made.signingUrl);
      expect(again?.status()).toBe(404);
      const unknown = await opened.page.goto(made.signingUrl.replace(/[^/]{8}$/, 'AAAAAAAA'));
      expect(unknown?.status()).toBe(404);
      const now = await status(id);
      expect(now.acceptanceRequests.nodes[0].status).toBe('EXPIRED');
      expect(now.agreementStatus.status).toBe('NOT_ACCEPTED');
    } finally {
      clock.offsetMs = 0;
      await opened.close();
    }
  });
});
