import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { clientAddressHash, signingKeys } from '../../src/signing/anti-forgery';
import type { SigningRequestView } from '../../src/signing/signing-port';
import { hashSigningToken, newSigningToken } from '../../src/signing/signing-token';
import { launchBrowser, openPage, screenshot, scrollWidth } from '../helpers/browser';
import { type SigningServer, startSigningServer } from '../helpers/signing';

const DOCS = join(__dirname, '..', '..', 'docs');
const LONG = 'Werkzeugmaschinenfabrikationsgesellschaftsverwaltungsabteilung'.repeat(2);

const REQUESTS = {
  de: {
    language: 'de-DE',
    country: 'DE',
    customerCompanyName: 'Fabrikam Werkzeugmaschinen GmbH',
    documentUri: 'https://agreements.example.com/mca/v2/DE/de-DE/display',
  },
  ko: {
    language: 'ko-KR',
    country: 'KR',
    partnerName: '콘토소 CSP',
    customerCompanyName: '주식회사 파브리캄',
    signatory: { firstName: '민준', lastName: '김' },
    documentUri: 'https://agreements.example.com/mca/v2/KR/ko-KR/display',
  },
  en: {
    language: 'fr-FR',
    country: 'FR',
    customerCompanyName: 'Fabrikam SARL',
    documentUri: 'https://agreements.example.com/mca/v2/FR/fr-FR/display',
  },
} satisfies Record<string, Partial<SigningRequestView>>;

const formFieldOf = (html: string) => /name="form" value="([^"]+)"/.exec(html)![1];
const bodyText = (page: Page) => page.locator('body').innerText();

/** Clicks a submit button and waits for the page it leads to (after any redirect). */
async function submit(page: Page, button: string) {
  const navigation = page.waitForNavigation();
  await page.getByRole('button', { name: button, exact: true }).click();
  return navigation;
}

describe('the signing page, in Chromium', () => {
  let server: SigningServer;
  let browser: Browser;
  const tokens: string[] = [];
  const add = (view: Partial<SigningRequestView>, finalize?: 'AUTOMATIC' | 'BY_PARTNER') => {
    const token = server.port.add(view, finalize);
    tokens.push(token);
    return token;
  };
  /** A form post as a script would send it, from our origin unless told otherwise. */
  const post = (token: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(server.link(token), {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const fieldFor = async (token: string) => formFieldOf(await (await fetch(server.link(token))).text());

  beforeAll(async () => {
    mkdirSync(DOCS, { recursive: true });
    server = await startSigningServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  describe.each([
    ['de', 'de', 'Zustimmung zum Microsoft-Kundenvertrag', ['Kunde', 'Unterzeichnende Person', 'Jana Becker', 'Microsoft-Kundenvertrag, Version 2', 'Link gültig bis', 'Ablehnen'], /\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4} um \d{2}:\d{2} \(UTC\+0[12]:00\)/],
    ['ko', 'ko', 'Microsoft 고객 계약 동의 요청', ['고객사', '주식회사 파브리캄', '콘토소 CSP', '김민준', 'Microsoft 고객 계약, 버전 2', '링크 유효 기한', '거절합니다'], /\d{4}년 \d{1,2}월 \d{1,2}일 \d{2}:\d{2} \(UTC\+09:00\)/],
    ['en', 'en', 'Accept the Microsoft Customer Agreement', ['Customer', 'Fabrikam SARL', 'Jana Becker', 'Microsoft Customer Agreement, version 2', 'Link valid until', 'Decline'], /(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4} at \d{1,2}:\d{2} (AM|PM) \(UTC\+0[12]:00\)/],
  ] as const)('for a request in %s', (key, lang, heading, texts, expiry) => {
    it(`is in ${lang === 'en' ? 'English (the fallback for fr-FR)' : lang}: texts, the document for the request's country and language, the expiry with its UTC offset`, async () => {
      const request = REQUESTS[key];
      const opened = await openPage(browser, server.link(add(request)), { javaScript: false });
      try {
        const { page } = opened;
        expect(opened.response?.status()).toBe(200);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        expect(await page.locator('h1').innerText()).toBe(heading);
        const text = await bodyText(page);
        for (const expected of texts) expect(text).toContain(expected);
        expect(text).toMatch(expiry);
        const document = page.getByRole('link', { name: request.documentUri });
        expect(await document.getAttribute('href')).toBe(request.documentUri);
        // Every control has its label.
        expect(await page.getByLabel(/.+/).count()).toBe(3);
        expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
      } finally {
        await opened.close();
      }
    });

    it('is saved as a screenshot at 360 px (docs/)', async () => {
      // A fixed expiry, seen from a fixed moment, so that the committed images change only when the page does.
      server.clock.offsetMs = Date.parse('2026-12-01T09:00:00Z') - Date.now();
      const token = add({ ...REQUESTS[key], expiresAt: new Date('2026-12-08T09:00:00Z') });
      const opened = await openPage(browser, server.link(token), { width: 360 });
      server.clock.offsetMs = 0;
      try {
        await screenshot(opened.page, join(DOCS, `signing-page-${key}.png`));
        expect(opened.console).toEqual([]); // no CSP violation: the stylesheet and the script are the allowed ones
        expect(await opened.page.evaluate<string>('getComputedStyle(document.querySelector("main")).maxWidth')).toBe('640px');
      } finally {
        await opened.close();
      }
    });
  });

  it('accepting needs the box ticked and the full name typed: without JavaScript, the page says what is missing, in German', async () => {
    const token = add(REQUESTS.de);
    const opened = await openPage(browser, server.link(token), { javaScript: false });
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
      expect(server.port.calls.filter((c) => c.method === 'accept')).toHaveLength(0);

      await page.getByLabel(/Ich habe den Microsoft-Kundenvertrag gelesen/).check();
      response = await submit(page, 'Zustimmen');
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toBe('Vertrag angenommen');
      expect(await page.locator('form').count()).toBe(0);

      const stored = server.port.stored(token);
      expect(stored.view.status).toBe('FINALIZED');
      const evidence = stored.accepted!;
      expect(evidence).toMatchObject({
        typedName: 'jana   BECKER',
        documentUri: REQUESTS.de.documentUri,
        clientAddressHash: clientAddressHash(signingKeys(server.config.secret), '127.0.0.1'),
        dateAgreed: evidence.at.toISOString().slice(0, 10), // no JavaScript: the UTC date
      });
      expect(evidence.userAgent).toMatch(/Chrome\//);
      expect(Date.now() - evidence.at.getTime()).toBeLessThan(60_000);
    } finally {
      await opened.close();
    }
  });

  it('with JavaScript on, accepting sends the signatory\'s own date (Korean page, a time zone where the date is not UTC\'s)', async () => {
    const timezoneId = new Date().getUTCHours() >= 12 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
    const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: timezoneId }).format(new Date());
    expect(localDate).not.toBe(new Date().toISOString().slice(0, 10));
    const token = add(REQUESTS.ko, 'BY_PARTNER');
    const opened = await openPage(browser, server.link(token), { javaScript: true, timezoneId });
    try {
      const { page } = opened;
      await page.getByLabel(/본인은 Microsoft 고객 계약의 내용을 읽었으며/).check();
      await page.getByLabel('서명자 성명 (필수)').fill('김민준');
      const response = await submit(page, '동의합니다');
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toBe('계약 동의 완료');
      expect(await bodyText(page)).toContain('김민준 님이');
      expect(opened.console).toEqual([]);
      const stored = server.port.stored(token);
      expect(stored.view.status).toBe('SIGNED'); // BY_PARTNER: waits for the partner
      expect(stored.accepted).toMatchObject({ typedName: '김민준', dateAgreed: localDate });
    } finally {
      await opened.close();
    }
  });

  it('declining takes an optional reason, shown as text on the outcome', async () => {
    const token = add(REQUESTS.en);
    const opened = await openPage(browser, server.link(token), { javaScript: false });
    try {
      const { page } = opened;
      await page.getByLabel('Reason (optional)').fill('Our legal team must review it first.\n<b>Not now</b>');
      const response = await submit(page, 'Decline');
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').innerText()).toBe('Agreement declined');
      expect(await page.locator('.reason').innerText()).toBe('Our legal team must review it first.\n<b>Not now</b>');
      expect(await page.locator('b').count()).toBe(0);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
      expect(server.port.stored(token)).toMatchObject({ view: { status: 'DECLINED' }, declined: { reason: 'Our legal team must review it first.\n<b>Not now</b>' } });
    } finally {
      await opened.close();
    }
  });

  it('a decline reason over 1,000 characters is shown again with the reason why', async () => {
    const token = add(REQUESTS.de);
    const answer = await post(token, { action: 'decline', form: await fieldFor(token), reason: 'x'.repeat(1001) });
    expect(answer.status).toBe(422);
    expect(await answer.text()).toContain('Der Grund darf höchstens 1.000 Zeichen sichtbaren Text umfassen.');
    expect(server.port.stored(token).view.status).toBe('PENDING');
  });

  it('an answered link shows its outcome, never the form: when opened again, and when posted to again (nothing is recorded twice)', async () => {
    const token = add(REQUESTS.en);
    const field = await fieldFor(token);
    const accepted = await post(token, { action: 'accept', form: field, accept: 'yes', fullName: 'Jana Becker' });
    expect(accepted.status).toBe(303);
    expect(new URL(accepted.headers.get('location')!, server.link(token)).href).toBe(server.link(token));
    const calls = () => server.port.calls.filter((c) => c.method !== 'find' && c.args[0] === hashSigningToken(token)).length;
    expect(calls()).toBe(1);

    const opened = await openPage(browser, server.link(token), { javaScript: false });
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
      const again = await post(token, fields);
      expect(again.status).toBe(303);
    }
    expect(calls()).toBe(1);
    expect(server.port.stored(token).view.status).toBe('FINALIZED');
  });

  describe('a post from anywhere but this page is refused (403), and records nothing', () => {
    it('from a page on another site, in the browser, even with a valid anti-forgery field', async () => {
      const token = add(REQUESTS.en);
      const field = await fieldFor(token);
      const attacker: Server = createServer((_req, res) => {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!DOCTYPE html><html lang="en"><body><form method="post" action="${server.link(token)}">
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
      expect(server.port.stored(token).view.status).toBe('PENDING');
    });

    it('with the Origin of another site, without the field, with a forged one or one of another link', async () => {
      const token = add(REQUESTS.en);
      const field = await fieldFor(token);
      const otherField = await fieldFor(add(REQUESTS.en));
      const accept = { action: 'accept', accept: 'yes', fullName: 'Jana Becker' };
      const refused = [
        await post(token, { ...accept, form: field }, { origin: 'https://evil.example' }),
        await post(token, { ...accept, form: field }, { origin: 'null' }),
        await post(token, { ...accept }),
        await post(token, { ...accept, form: `${field.split('.')[0]}.${'A'.repeat(43)}` }),
        await post(token, { ...accept, form: otherField }),
      ];
      for (const answer of refused) {
        expect(answer.status).toBe(403);
        expect(await answer.text()).toContain('The form could not be accepted');
      }
      expect(server.port.stored(token).view.status).toBe('PENDING');
      expect(server.port.calls.filter((c) => c.method === 'accept' && c.args[0] === hashSigningToken(token))).toHaveLength(0);
      // The same post from our own page is taken: the refusals were the checks' doing.
      expect((await post(token, { ...accept, form: field })).status).toBe(303);
    });

    it('without Origin, by Sec-Fetch-Site: only same-origin is taken', async () => {
      const token = add(REQUESTS.en);
      const field = await fieldFor(token);
      const body = new URLSearchParams({ action: 'decline', form: field }).toString();
      const send = (site?: string) =>
        new Promise<number>((resolve, reject) => {
          // node:http, since fetch adds an Origin of its own to a POST.
          const url = new URL(server.link(token));
          const request = require('node:http').request(
            url,
            { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...(site ? { 'sec-fetch-site': site } : {}) } },
            (res: { statusCode: number; resume(): void }) => {
              res.resume();
              resolve(res.statusCode);
            },
          );
          request.on('error', reject);
          request.end(body);
        });
      expect(await send()).toBe(403);
      expect(await send('cross-site')).toBe(403);
      expect(await send('same-site')).toBe(403);
      expect(server.port.stored(token).view.status).toBe('PENDING');
      expect(await send('same-origin')).toBe(303);
      expect(server.port.stored(token).view.status).toBe('DECLINED');
    });
  });

  it('unknown, expired, cancelled and malformed links answer alike: 404, the same bytes and headers, to GET and POST', async () => {
    const past = new Date(Date.now() - 60_000);
    const links = {
      unknown: newSigningToken().token,
      expired: add({ ...REQUESTS.de, expiresAt: past }),
      expiredStatus: add({ ...REQUESTS.ko, status: 'EXPIRED' }),
      cancelled: add({ ...REQUESTS.en, status: 'CANCELLED' }),
      malformed: 'abc',
    };
    const answers = await Promise.all(
      Object.values(links).flatMap((token) => [
        fetch(server.link(token), { headers: { 'accept-language': 'de-DE,de;q=0.9' } }),
        post(token, { action: 'accept', form: 'x', accept: 'yes', fullName: 'Jana Becker' }, { 'accept-language': 'de-DE,de;q=0.9' }),
      ]),
    );
    const seen = await Promise.all(
      answers.map(async (answer) => ({
        status: answer.status,
        headers: [...answer.headers].filter(([name]) => name !== 'date'),
        body: await answer.text(),
      })),
    );
    expect(seen[0].status).toBe(404);
    expect(seen[0].body).toContain('Dieser Link ist nicht gültig'); // in the browser's language: the request is not known
    for (const answer of seen) expect(answer).toEqual(seen[0]);
    const opened = await openPage(browser, server.link(links.expired), { javaScript: false });
    try {
      expect(opened.response?.status()).toBe(404);
      expect(await opened.page.locator('h1').innerText()).toBe('This link is not valid');
      expect(await scrollWidth(opened.page)).toBeLessThanOrEqual(360);
    } finally {
      await opened.close();
    }
  });

  it('a form open longer than two hours is shown again with a fresh field, and records nothing', async () => {
    const token = add(REQUESTS.de);
    const field = await fieldFor(token);
    server.clock.offsetMs = 2 * 60 * 60 * 1000 + 60_000;
    try {
      const answer = await post(token, { action: 'accept', form: field, accept: 'yes', fullName: 'Jana Becker' });
      expect(answer.status).toBe(422);
      const html = await answer.text();
      expect(html).toContain('Diese Seite war lange geöffnet.');
      const fresh = formFieldOf(html);
      expect(fresh).not.toBe(field);
      expect(server.port.stored(token).view.status).toBe('PENDING');
      expect((await post(token, { action: 'accept', form: fresh, accept: 'yes', fullName: 'Jana Becker' })).status).toBe(303);
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('a post that is not a form, or too large, is refused', async () => {
    const token = add(REQUESTS.en);
    const field = await fieldFor(token);
    const json = await fetch(server.link(token), { method: 'POST', headers: { origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'accept', form: field }) });
    expect(json.status).toBe(415);
    const large = await post(token, { action: 'decline', form: field, reason: 'x'.repeat(17 * 1024) });
    expect(large.status).toBe(413);
    const put = await fetch(server.link(token), { method: 'PUT', headers: { origin: server.url } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect(server.port.stored(token).view.status).toBe('PENDING');
  });

  it('every answer carries the strict headers: form, redisplay, outcome, redirect, refusal, invalid link', async () => {
    const token = add(REQUESTS.de);
    const field = await fieldFor(token);
    const answers = [
      await fetch(server.link(token)),
      await post(token, { action: 'accept', form: field }),
      await post(token, { action: 'accept', form: field }, { origin: 'https://evil.example' }),
      await post(token, { action: 'accept', form: field, accept: 'yes', fullName: 'Jana Becker' }),
      await fetch(server.link(token)),
      await fetch(server.link(newSigningToken().token)),
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
    const script = await fetch(`${server.url}/sign/local-date.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('names, company names and versions holding markup are shown as text', async () => {
    const hostile = `<script>alert("x")</script><img src=x onerror="document.title='owned'">`;
    const token = add({ ...REQUESTS.en, partnerName: hostile, customerCompanyName: hostile, agreement: { type: 'MICROSOFT_CUSTOMER_AGREEMENT', version: hostile, link: 'javascript:alert(1)' } });
    const opened = await openPage(browser, server.link(token), { javaScript: true });
    try {
      const { page } = opened;
      expect(await bodyText(page)).toContain(hostile);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(1); // the page's own
      expect(await page.title()).not.toBe('owned');
      expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    } finally {
      await opened.close();
    }
  });

  it('no page is wider than 360 px, however long the names and addresses', async () => {
    const token = add({
      ...REQUESTS.de,
      partnerName: LONG,
      customerCompanyName: LONG,
      signatory: { firstName: LONG.slice(0, 60), lastName: LONG.slice(0, 60) },
      documentUri: `https://agreements.example.com/${LONG}/${'0123456789'.repeat(12)}`,
    });
    const opened = await openPage(browser, server.link(token), { javaScript: false });
    try {
      const { page } = opened;
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
  });

  it('the port never saw a token in clear: only SHA-256 hashes', () => {
    expect(server.port.calls.length).toBeGreaterThan(20);
    const seen = JSON.stringify(server.port.calls);
    for (const token of tokens) expect(seen).not.toContain(token);
    for (const call of server.port.calls) expect(call.args[0]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('tries per client address', () => {
  let server: SigningServer;
  beforeAll(async () => {
    server = await startSigningServer({ SIGNING_RATE_LIMIT_BURST: '3', SIGNING_RATE_LIMIT_PER_MINUTE: '2' });
  });
  afterAll(() => server.close());

  it('are limited: over the burst, 429 with Retry-After in the browser\'s language, and no lookup', async () => {
    const guesses = await Promise.all([1, 2, 3, 4, 5].map(() => fetch(server.link(newSigningToken().token), { headers: { 'accept-language': 'ko-KR' } })));
    expect(guesses.map((g) => g.status)).toEqual([404, 404, 404, 429, 429]);
    const refused = guesses[3];
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(await refused.text()).toContain('시도 횟수가 너무 많습니다');
    expect(server.port.calls).toHaveLength(3);
    // The page's script is not a try.
    expect((await fetch(`${server.url}/sign/local-date.js`)).status).toBe(200);
  });
});
