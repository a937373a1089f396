import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { clientAddressHash, signingKeys } from '../../src/signing/anti-forgery';
import { newSigningToken, signingUrl } from '../../src/signing/signing-token';
import type { TestApp } from '../helpers/app';
import { launchBrowser, openPage, screenshot, scrollWidth } from '../helpers/browser';
import { testDatabases } from '../helpers/databases';
import { contact, customer, offers, partners } from '../helpers/fixtures';
import { documentUri, formFieldOf, MovableClock, postForm, startSigningApp, templateWithDocuments } from '../helpers/signing';

const DOCS = join(__dirname, '..', '..', 'docs');
const LONG = 'Werkzeugmaschinenfabrikationsgesellschaftsverwaltungsabteilung'.repeat(2);
const LONG_DOCUMENT = `https://agreements.example.com/${LONG}/${'0123456789'.repeat(12)}`;
const HOSTILE = `<script>alert("x")</script><img src=x onerror="document.title='owned'">`;

/** Partners whose names the pages show. */
const PARTNER = {
  contoso: { id: 'p-contoso', name: 'Contoso CSP', type: 'DIRECT_BILL', cloud: 'PUBLIC' },
  contosoKr: { id: 'p-contoso-kr', name: '콘토소 CSP', type: 'DIRECT_BILL', cloud: 'PUBLIC' },
  hostile: { id: 'p-hostile', name: HOSTILE, type: 'DIRECT_BILL', cloud: 'PUBLIC' },
  long: { id: 'p-long', name: LONG, type: 'DIRECT_BILL', cloud: 'PUBLIC' },
} as const;

/** The version the requests are for, with a French text and an Austrian one at a very long address as well. */
const template = () => {
  const base = templateWithDocuments();
  return {
    ...base,
    documents: [
      ...base.documents,
      { country: 'FR', language: 'fr-FR', displayUri: documentUri('FR', 'fr-FR'), downloadUri: 'https://agreements.example.com/mca/v2/FR/fr-FR.pdf' },
      { country: 'AT', language: 'de-DE', displayUri: LONG_DOCUMENT, downloadUri: 'https://agreements.example.com/mca/v2/AT/de-DE.pdf' },
    ],
  };
};

interface RequestSpec {
  partner: keyof typeof PARTNER;
  companyName: string;
  signatory: { firstName: string; lastName: string };
  country: string;
  language: string;
  documentUri: string;
}

const REQUESTS = {
  de: {
    partner: 'contoso',
    companyName: 'Fabrikam Werkzeugmaschinen GmbH',
    signatory: { firstName: 'Jana', lastName: 'Becker' },
    country: 'DE',
    language: 'de-DE',
    documentUri: documentUri('DE', 'de-DE'),
  },
  ko: {
    partner: 'contosoKr',
    companyName: '주식회사 파브리캄',
    signatory: { firstName: '민준', lastName: '김' },
    country: 'KR',
    language: 'ko-KR',
    documentUri: documentUri('KR', 'ko-KR'),
  },
  en: {
    partner: 'contoso',
    companyName: 'Fabrikam SARL',
    signatory: { firstName: 'Jana', lastName: 'Becker' },
    country: 'FR',
    language: 'fr-FR',
    documentUri: documentUri('FR', 'fr-FR'),
  },
} satisfies Record<string, RequestSpec>;

const REQUEST = `mutation ($input: RequestCustomerAcceptanceInput!) { requestCustomerAcceptance(input: $input) { request { id signingUrl } } }`;
const CANCEL = `mutation ($id: ID!) { cancelAcceptanceRequest(id: $id) { request { id } } }`;
const RENEW = `mutation ($id: ID!) { renewAcceptanceRequest(id: $id) { request { signingUrl } } }`;
const REQUESTS_OF = `query ($id: ID!) { customer(id: $id) { acceptanceRequests { nodes { id status answeredAt declineReason acceptance { method channel dateAgreed } } } } }`;

const MINUTE = 60_000;
const bodyText = (page: Page) => page.locator('body').innerText();

/** Clicks a submit button and waits for the page it leads to (after any redirect). */
async function submit(page: Page, button: string) {
  const navigation = page.waitForNavigation();
  await page.getByRole('button', { name: button, exact: true }).click();
  return navigation;
}

/** A request made through requestCustomerAcceptance: its id, its customer and its link (from the payload). */
interface Made {
  id: string;
  customerId: string;
  partnerId: string;
  link: string;
}

describe.each(testDatabases())('the signing page over the real server and database, in Chromium (%s)', (kind) => {
  let app: TestApp;
  let browser: Browser;
  const clock = new MovableClock();
  const made: Made[] = [];
  /** Links that a renewal replaced. */
  const replaced = new Set<string>();
  let n = 0;

  /** A fresh customer of the spec's partner, and a request for it over HTTP. */
  const make = async (spec: RequestSpec, extra: Record<string, unknown> = {}): Promise<Made> => {
    const partner = PARTNER[spec.partner];
    const customerId = `PAGE-${++n}`;
    await app.seed({ customers: [customer(customerId, { companyName: spec.companyName, partnerIds: [partner.id] })] });
    const signatory = contact({ ...spec.signatory, email: `signatory-${n}@fabrikam.example` });
    const input = { customerId, country: spec.country, language: spec.language, signatory, ...extra };
    const { body } = await app.gql(await app.token(partner.id, ['ADMIN_AGENT'], 'agent-page'), REQUEST, { input });
    expect(body.errors).toBeUndefined();
    const { id, signingUrl: link } = body.data!.requestCustomerAcceptance.request as { id: string; signingUrl: string };
    const result = { id, customerId, partnerId: partner.id, link };
    made.push(result);
    return result;
  };
  /** The request's row as stored. */
  const row = async (request: Made) => (await app.db.query<Record<string, any>>('SELECT * FROM acceptance_requests WHERE id = ?', [request.id]))[0];
  /** The request as its partner reads it over GraphQL. */
  const read = async (request: Made) => {
    const { body } = await app.gql(await app.token(request.partnerId, ['ADMIN_AGENT']), REQUESTS_OF, { id: request.customerId });
    expect(body.errors).toBeUndefined();
    return (body.data!.customer.acceptanceRequests.nodes as Record<string, any>[]).find((r) => r.id === request.id)!;
  };
  const acceptancesOf = async (request: Made) =>
    Number((await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', [request.customerId]))[0].n);
  /** Nothing of an answer is stored: still PENDING, no evidence, no acceptance. */
  const expectUnanswered = async (request: Made) => {
    expect(await row(request)).toMatchObject({
      status: 'PENDING',
      answered_at: null,
      decline_reason: null,
      date_agreed: null,
      evidence_document_uri: null,
      evidence_typed_name: null,
      evidence_client_address_hash: null,
      evidence_user_agent: null,
      acceptance_id: null,
    });
    expect(await acceptancesOf(request)).toBe(0);
  };
  /** A form post as a script would send it, from the page's origin unless told otherwise. */
  const post = (request: Made | string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    postForm(typeof request === 'string' ? request : request.link, fields, headers);
  const fieldFor = async (request: Made) => formFieldOf(await (await fetch(request.link)).text());

  beforeAll(async () => {
    mkdirSync(DOCS, { recursive: true });
    app = await startSigningApp(kind, { clock });
    await app.seed({ partners: [...partners(), ...Object.values(PARTNER)], offers: offers(), agreements: [template()] });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(() => {
    clock.offsetMs = 0;
  });

  describe.each([
    ['de', 'de', 'Zustimmung zum Microsoft-Kundenvertrag', ['Kunde', 'Unterzeichnende Person', 'Jana Becker', 'Microsoft-Kundenvertrag, Version 2', 'Link gültig bis', 'Ablehnen'], /\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4} um \d{2}:\d{2} \(UTC\+0[12]:00\)/],
    ['ko', 'ko', 'Microsoft 고객 계약 동의 요청', ['고객사', '주식회사 파브리캄', '콘토소 CSP', '김민준', 'Microsoft 고객 계약, 버전 2', '링크 유효 기한', '거절합니다'], /\d{4}년 \d{1,2}월 \d{1,2}일 \d{2}:\d{2} \(UTC\+09:00\)/],
    ['en', 'en', 'Accept the Microsoft Customer Agreement', ['Customer', 'Fabrikam SARL', 'Contoso CSP', 'Jana Becker', 'Microsoft Customer Agreement, version 2', 'Link valid until', 'Decline'], /(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4} at \d{1,2}:\d{2} (AM|PM) \(UTC\+0[12]:00\)/],
  ] as const)('for a request in %s', (key, lang, heading, texts, expiry) => {
    it(`is in ${lang === 'en' ? 'English (the fallback for fr-FR)' : lang}: texts, the document for the request's country and language, the expiry with its UTC offset`, async () => {
      const spec = REQUESTS[key];
      const opened = await openPage(browser, (await make(spec)).link, { javaScript: false });
      try {
        const { page } = opened;
        expect(opened.response?.status()).toBe(200);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        expect(await page.locator('h1').innerText()).toBe(heading);
        const text = await bodyText(page);
        for (const expected of texts) expect(text).toContain(expected);
        expect(text).toMatch(expiry);
        const document = page.getByRole('link', { name: spec.documentUri });
        expect(await document.getAttribute('href')).toBe(spec.documentUri);
        // Every control has its label.
        expect(await page.getByLabel(/.+/).count()).toBe(3);
        expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
      } finally {
        await opened.close();
      }
    });

    it('is saved as a screenshot at 360 px (docs/)', async () => {
      // Made at a fixed moment and seen from it, valid seven days, so that the committed images change only when the page does.
      clock.offsetMs = Date.parse('2026-12-01T09:00:00Z') - Date.now();
      const request = await make(REQUESTS[key], { expiresInMinutes: 7 * 24 * 60 });
      const opened = await openPage(browser, request.link, { width: 360 });
      clock.offsetMs = 0;
      try {
        await screenshot(opened.page, join(DOCS, `signing-page-${key}.png`));
        expect(opened.console).toEqual([]); // no CSP violation: the stylesheet and the script are the allowed ones
        expect(await opened.page.evaluate<string>('getComputedStyle(document.querySelector("main")).maxWidth')).toBe('640px');
      } finally {
        await opened.close();
      }
    });
  });

  it('accepting needs the box ticked and the full name typed: without JavaScript, the page says what is missing, in German; the evidence is stored', async () => {
    const request = await make(REQUESTS.de);
    const opened = await openPage(browser, request.link, { javaScript: false });
    try {
      const { page } = opened;
      let response = await submit(page, 'Zustimmen');
      expect(response?.status()).toBe(422);
      let text = await bodyText(page);
      expect(text).toContain('Setzen Sie das Häkchen, um zu bestätigen, dass Sie den Vertrag gelesen haben und ihm zustimmen.');
      expect(text).toContain('Geben Sie Ihren vollständigen Namen ein.');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(360);

      await page.getByLabel(/Ich habe den Microsoft-Kundenvertrag gelesen/).check();
      await page.getByLabel('Ihr vollständiger Name (erforderlich)').fill('Jana Baker');
      response = await submit(page, 'Zustimmen');
      expect(response?.status()).toBe(422);
      text = await bodyText(page);
      expect(text).toContain('Der eingegebene Name stimmt nicht mit dem Namen der unterzeichnenden Person überein: Jana Becker.');
      expect(text).not.toContain('Setzen Sie das Häkchen');
      expect(await page.getByLabel('Ihr vollständiger Name (erforderlich)').inputValue()).toBe('Jana Baker');

      await page.getByLabel('Ihr vollständiger Name (erforderlich)').fill('  jana   BECKER ');
      response = await submit(page, 'Zustimmen');
      expect(response?.status()).toBe(422); // the box is to be ticked again
      expect(await bodyText(page)).toContain('Setzen Sie das Häkchen');
      await expectUnanswered(request);

      await page.getByLabel(/Ich habe den Microsoft-Kundenvertrag gelesen/).check();
      response = await submit(page, 'Zustimmen');
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toBe('Vertrag angenommen');
      expect(await page.locator('form').count()).toBe(0);
    } finally {
      await opened.close();
    }
    const stored = await row(request);
    expect(stored).toMatchObject({
      status: 'FINALIZED',
      evidence_typed_name: 'jana   BECKER',
      evidence_document_uri: REQUESTS.de.documentUri,
      evidence_client_address_hash: clientAddressHash(signingKeys(app.config.signing.secret), '127.0.0.1'),
    });
    expect(stored.evidence_user_agent).toMatch(/Chrome\//);
    expect(stored.acceptance_id).not.toBeNull();
    const answered = await read(request);
    // No JavaScript: the UTC date of the answer.
    expect(answered.acceptance).toEqual({ method: 'CUSTOMER_SIGNED', channel: 'SIGNING_LINK', dateAgreed: answered.answeredAt.slice(0, 10) });
    expect(Date.now() - Date.parse(answered.answeredAt)).toBeLessThan(60_000);
    expect(await acceptancesOf(request)).toBe(1);
  });

  it("with JavaScript on, accepting sends the signatory's own date (Korean page, a time zone where the date is not UTC's); BY_PARTNER waits as SIGNED", async () => {
    const timezoneId = new Date().getUTCHours() >= 12 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
    const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: timezoneId }).format(new Date());
    expect(localDate).not.toBe(new Date().toISOString().slice(0, 10));
    const request = await make(REQUESTS.ko, { finalize: 'BY_PARTNER' });
    const opened = await openPage(browser, request.link, { javaScript: true, timezoneId });
    try {
      const { page } = opened;
      await page.getByLabel(/본인은 Microsoft 고객 계약의 내용을 읽었으며/).check();
      await page.getByLabel('서명자 성명 (필수)').fill('김민준');
      const response = await submit(page, '동의합니다');
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toBe('계약 동의 완료');
      expect(await bodyText(page)).toContain('김민준 님이');
      expect(opened.console).toEqual([]);
    } finally {
      await opened.close();
    }
    const stored = await row(request);
    expect(stored).toMatchObject({ status: 'SIGNED', evidence_typed_name: '김민준', acceptance_id: null });
    expect(String(stored.date_agreed).slice(0, 10)).toBe(localDate);
    expect(await acceptancesOf(request)).toBe(0);
  });

  it('declining takes an optional reason, stored and shown as text on the outcome', async () => {
    const request = await make(REQUESTS.en);
    const reason = 'Our legal team must review it first.\n<b>Not now</b>';
    const opened = await openPage(browser, request.link, { javaScript: false });
    try {
      const { page } = opened;
      await page.getByLabel('Reason (optional)').fill(reason);
      const response = await submit(page, 'Decline');
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toBe('Agreement declined');
      expect(await page.locator('.reason').innerText()).toBe(reason);
      expect(await page.locator('b').count()).toBe(0);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
    } finally {
      await opened.close();
    }
    expect(await row(request)).toMatchObject({ status: 'DECLINED', decline_reason: reason, evidence_document_uri: REQUESTS.en.documentUri, acceptance_id: null });
    expect(await read(request)).toMatchObject({ status: 'DECLINED', declineReason: reason, acceptance: null });
    expect(await acceptancesOf(request)).toBe(0);
  });

  it('a decline reason over 1,000 characters is shown again with the reason why, and nothing is stored', async () => {
    const request = await make(REQUESTS.de);
    const answer = await post(request, { action: 'decline', form: await fieldFor(request), reason: 'x'.repeat(1001) });
    expect(answer.status).toBe(422);
    expect(await answer.text()).toContain('Der Grund darf höchstens 1.000 Zeichen sichtbaren Text umfassen.');
    await expectUnanswered(request);
  });

  it('an answered link shows its outcome, never the form: when opened again, and when posted to again (nothing is recorded twice)', async () => {
    const request = await make(REQUESTS.en);
    const field = await fieldFor(request);
    const accepted = await post(request, { action: 'accept', form: field, accept: 'yes', fullName: 'Jana Becker' });
    expect(accepted.status).toBe(303);
    expect(new URL(accepted.headers.get('location')!, request.link).href).toBe(request.link);
    const first = await row(request);
    expect(first.status).toBe('FINALIZED');
    expect(await acceptancesOf(request)).toBe(1);

    const opened = await openPage(browser, request.link, { javaScript: false });
    try {
      expect(await opened.page.locator('h1').innerText()).toBe('Agreement accepted');
      expect(await opened.page.locator('form, input, button').count()).toBe(0);
      expect(await scrollWidth(opened.page)).toBeLessThanOrEqual(360);
    } finally {
      await opened.close();
    }
    const repeats: Record<string, string>[] = [
      { action: 'accept', form: field, accept: 'yes', fullName: 'Jana Becker' },
      { action: 'decline', form: field, reason: 'changed my mind' },
    ];
    for (const fields of repeats) {
      const again = await post(request, fields);
      expect(again.status).toBe(303);
    }
    expect(await row(request)).toEqual(first);
    expect(await acceptancesOf(request)).toBe(1);
  });

  describe('a post from anywhere but this page is refused (403), and records nothing', () => {
    it('from a page on another site, in the browser, even with a valid anti-forgery field', async () => {
      const request = await make(REQUESTS.en);
      const field = await fieldFor(request);
      const attacker: Server = createServer((_req, res) => {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!DOCTYPE html><html lang="en"><body><form method="post" action="${request.link}">
<input type="hidden" name="action" value="accept"><input type="hidden" name="form" value="${field}">
<input type="hidden" name="accept" value="yes"><input type="hidden" name="fullName" value="Jana Becker">
<button type="submit">Win a prize</button></form></body></html>`);
      });
      await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
      // localhost and 127.0.0.1 are different origins (and sites) to the browser.
      const opened = await openPage(browser, `http://localhost:${(attacker.address() as AddressInfo).port}/`, { javaScript: false });
      try {
        const response = await submit(opened.page, 'Win a prize');
        expect(response?.status()).toBe(403);
        expect(await opened.page.locator('h1').innerText()).toBe('The form could not be accepted');
      } finally {
        await opened.close();
        attacker.closeAllConnections();
        await new Promise((resolve) => attacker.close(resolve));
      }
      await expectUnanswered(request);
    });

    it('with the Origin of another site, without the field, with a forged one or one of another link', async () => {
      const request = await make(REQUESTS.en);
      const field = await fieldFor(request);
      const otherField = await fieldFor(await make(REQUESTS.en));
      const accept = { action: 'accept', accept: 'yes', fullName: 'Jana Becker' };
      const refused = [
        await post(request, { ...accept, form: field }, { origin: 'https://evil.example' }),
        await post(request, { ...accept, form: field }, { origin: 'null' }),
        await post(request, { ...accept }),
        await post(request, { ...accept, form: `${field.split('.')[0]}.${'A'.repeat(43)}` }),
        await post(request, { ...accept, form: otherField }),
      ];
      for (const answer of refused) {
        expect(answer.status).toBe(403);
        expect(await answer.text()).toContain('The form could not be accepted');
      }
      await expectUnanswered(request);
      // The same post from our own page is taken: the refusals were the checks' doing.
      expect((await post(request, { ...accept, form: field })).status).toBe(303);
      expect((await row(request)).status).toBe('FINALIZED');
    });

    it('without Origin, by Sec-Fetch-Site: only same-origin is taken', async () => {
      const request = await make(REQUESTS.en);
      const field = await fieldFor(request);
      const body = new URLSearchParams({ action: 'decline', form: field }).toString();
      const send = (site?: string) =>
        new Promise<number>((resolve, reject) => {
          // node:http, since fetch adds an Origin of its own to a POST.
          const sent = httpRequest(
            new URL(request.link),
            { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...(site ? { 'sec-fetch-site': site } : {}) } },
            (res) => {
              res.resume();
              resolve(res.statusCode!);
            },
          );
          sent.on('error', reject);
          sent.end(body);
        });
      expect(await send()).toBe(403);
      expect(await send('cross-site')).toBe(403);
      expect(await send('same-site')).toBe(403);
      await expectUnanswered(request);
      expect(await send('same-origin')).toBe(303);
      expect(await row(request)).toMatchObject({ status: 'DECLINED', decline_reason: null });
    });
  });

  it('unknown, expired, cancelled, replaced and malformed links answer alike: 404, the same bytes and headers, to GET and POST', async () => {
    const expired = await make(REQUESTS.de, { expiresInMinutes: 5 });
    const expiredKo = await make(REQUESTS.ko, { expiresInMinutes: 5 });
    const cancelled = await make(REQUESTS.en);
    const renewed = await make(REQUESTS.en);
    const admin = await app.token(PARTNER.contoso.id, ['ADMIN_AGENT']);
    expect((await app.gql(admin, CANCEL, { id: cancelled.id })).body.errors).toBeUndefined();
    const renewal = await app.gql(admin, RENEW, { id: renewed.id });
    expect(renewal.body.errors).toBeUndefined();
    const renewedLink: string = renewal.body.data!.renewAcceptanceRequest.request.signingUrl;
    expect(renewedLink).not.toBe(renewed.link);
    replaced.add(renewed.link);
    made.push({ ...renewed, link: renewedLink });
    clock.offsetMs = 6 * MINUTE; // the five-minute links have expired
    const links = {
      unknown: signingUrl(app.config.signing.baseUrl, newSigningToken().token),
      expired: expired.link,
      expiredKo: expiredKo.link,
      cancelled: cancelled.link,
      replaced: renewed.link,
      malformed: signingUrl(app.config.signing.baseUrl, 'abc'),
    };
    const answers = await Promise.all(
      Object.values(links).flatMap((link) => [
        fetch(link, { headers: { 'accept-language': 'de-DE,de;q=0.9' } }),
        post(link, { action: 'accept', form: 'x', accept: 'yes', fullName: 'Jana Becker' }, { 'accept-language': 'de-DE,de;q=0.9' }),
      ]),
    );
    const seen = await Promise.all(
      answers.map(async (answer) => ({
        status: answer.status,
        // Every answer has its own date and request id.
        headers: [...answer.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'),
        body: await answer.text(),
      })),
    );
    expect(seen[0].status).toBe(404);
    expect(seen[0].body).toContain('Dieser Link ist nicht gültig'); // in the browser's language: the request is not known
    for (const answer of seen) expect(answer).toEqual(seen[0]);
    const opened = await openPage(browser, links.expired, { javaScript: false });
    try {
      expect(opened.response?.status()).toBe(404);
      expect(await opened.page.locator('h1').innerText()).toBe('This link is not valid');
      expect(await scrollWidth(opened.page)).toBeLessThanOrEqual(360);
    } finally {
      await opened.close();
    }
    for (const request of [expired, expiredKo, renewed]) await expectUnanswered(request);
    expect((await read(expired)).status).toBe('EXPIRED');
    expect((await row(cancelled)).status).toBe('CANCELLED');
  });

  it('a link expiring while its form is open refuses the answer with the invalid-link page, and nothing is stored', async () => {
    const request = await make(REQUESTS.de, { expiresInMinutes: 5 });
    const field = await fieldFor(request);
    clock.offsetMs = 5 * MINUTE + 1_000;
    const answer = await post(request, { action: 'accept', form: field, accept: 'yes', fullName: 'Jana Becker' });
    expect(answer.status).toBe(404);
    expect(await answer.text()).toContain('This link is not valid');
    await expectUnanswered(request);
    expect((await read(request)).status).toBe('EXPIRED');
  });

  it('a form open longer than two hours is shown again with a fresh field, and records nothing', async () => {
    const request = await make(REQUESTS.de);
    const field = await fieldFor(request);
    clock.offsetMs = 2 * 60 * MINUTE + MINUTE;
    const answer = await post(request, { action: 'accept', form: field, accept: 'yes', fullName: 'Jana Becker' });
    expect(answer.status).toBe(422);
    const html = await answer.text();
    expect(html).toContain('Diese Seite war lange geöffnet.');
    const fresh = formFieldOf(html);
    expect(fresh).not.toBe(field);
    await expectUnanswered(request);
    expect((await post(request, { action: 'accept', form: fresh, accept: 'yes', fullName: 'Jana Becker' })).status).toBe(303);
    expect((await row(request)).status).toBe('FINALIZED');
  });

  it('a post that is not a form, or too large, is refused', async () => {
    const request = await make(REQUESTS.en);
    const field = await fieldFor(request);
    const json = await fetch(request.link, { method: 'POST', headers: { origin: app.url, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'accept', form: field }) });
    expect(json.status).toBe(415);
    const large = await post(request, { action: 'decline', form: field, reason: 'x'.repeat(17 * 1024) });
    expect(large.status).toBe(413);
    const put = await fetch(request.link, { method: 'PUT', headers: { origin: app.url } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    await expectUnanswered(request);
  });

  it('every answer carries the strict headers: form, redisplay, outcome, redirect, refusal, invalid link', async () => {
    const request = await make(REQUESTS.de);
    const field = await fieldFor(request);
    const answers = [
      await fetch(request.link),
      await post(request, { action: 'accept', form: field }),
      await post(request, { action: 'accept', form: field }, { origin: 'https://evil.example' }),
      await post(request, { action: 'accept', form: field, accept: 'yes', fullName: 'Jana Becker' }),
      await fetch(request.link),
      await fetch(signingUrl(app.config.signing.baseUrl, newSigningToken().token)),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 422, 403, 303, 200, 404]);
    for (const answer of answers) {
      const csp = answer.headers.get('content-security-policy')!;
      expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';( script-src http:\/\/127\.0\.0\.1:\d+\/sign\/local-date\.js;)? form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const script = await fetch(`${app.url}/sign/local-date.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('partner and company names holding markup are shown as text', async () => {
    const request = await make({ ...REQUESTS.en, partner: 'hostile', companyName: HOSTILE });
    const opened = await openPage(browser, request.link, { javaScript: true });
    try {
      const { page } = opened;
      const text = await bodyText(page);
      expect(text.split(HOSTILE).length).toBeGreaterThanOrEqual(3); // the partner's name and the company's
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(1); // the page's own
      expect(await page.title()).not.toBe('owned');
    } finally {
      await opened.close();
    }
  });

  it('no page is wider than 360 px, however long the names and addresses', async () => {
    const request = await make({
      partner: 'long',
      companyName: LONG,
      signatory: { firstName: LONG.slice(0, 60), lastName: LONG.slice(0, 60) },
      country: 'AT',
      language: 'de-DE',
      documentUri: LONG_DOCUMENT,
    });
    const opened = await openPage(browser, request.link, { javaScript: false });
    try {
      const { page } = opened;
      expect(await page.getByRole('link', { name: LONG_DOCUMENT }).getAttribute('href')).toBe(LONG_DOCUMENT);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
      await page.getByLabel('Grund (optional)').fill(LONG.repeat(3));
      await page.getByLabel('Ihr vollständiger Name (erforderlich)').fill(LONG);
      await submit(page, 'Zustimmen');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
      await submit(page, 'Ablehnen');
      expect(await page.locator('h1').innerText()).toBe('Vertrag abgelehnt');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
    } finally {
      await opened.close();
    }
    expect((await row(request)).status).toBe('DECLINED');
  });

  it('no link token is stored or logged in clear: requests keep its SHA-256 only', async () => {
    expect(made.length).toBeGreaterThan(20);
    const dump = async (table: string) => JSON.stringify(await app.db.query(`SELECT * FROM ${table}`));
    const stored = (await Promise.all(['acceptance_requests', 'acceptances', 'audit_events', 'status_events'].map(dump))).join('\n') + app.logs.join('');
    const hashes = new Set((await app.db.query<{ h: string }>('SELECT token_hash AS h FROM acceptance_requests')).map((r) => r.h));
    for (const { link } of made) {
      const token = new URL(link).pathname.split('/').pop()!;
      expect(stored).not.toContain(token);
      // A renewed request keeps the hash of its newest link only.
      expect({ link, stored: hashes.has(createHash('sha256').update(token).digest('hex')) }).toEqual({ link, stored: !replaced.has(link) });
    }
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe.each(testDatabases())('tries per client address (%s)', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startSigningApp(kind, { env: { SIGNING_RATE_LIMIT_BURST: '3', SIGNING_RATE_LIMIT_PER_MINUTE: '2' } });
  });
  afterAll(() => app?.close());

  it("are limited: over the burst, 429 with Retry-After in the browser's language, and no lookup", async () => {
    const guesses: { status: number; retryAfter: number; text: string; statements: number }[] = [];
    for (let i = 0; i < 5; i++) {
      let guess = { status: 0, retryAfter: 0, text: '' };
      const statements = await app.countStatements(async () => {
        const response = await fetch(signingUrl(app.config.signing.baseUrl, newSigningToken().token), { headers: { 'accept-language': 'ko-KR' } });
        guess = { status: response.status, retryAfter: Number(response.headers.get('retry-after')), text: await response.text() };
      });
      guesses.push({ ...guess, statements });
    }
    expect(guesses.map((g) => g.status)).toEqual([404, 404, 404, 429, 429]);
    // Each lookup is at least one statement; a refused try makes none.
    expect(guesses.map((g) => g.statements > 0)).toEqual([true, true, true, false, false]);
    const refused = guesses[3];
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfter).toBeLessThanOrEqual(30);
    expect(refused.text).toContain('시도 횟수가 너무 많습니다');
    // The page's script is not a try.
    expect((await fetch(`${app.url}/sign/local-date.js`)).status).toBe(200);
  });
});
