import { createHash } from 'node:crypto';
import { pickLanguage } from '../../src/signing/messages';
import { formPage } from '../../src/signing/page/form-page';
import { escapeHtml, fillHtml, html } from '../../src/signing/page/html';
import { invalidLinkPage, refusedPage, tooManyTriesPage } from '../../src/signing/page/notice-page';
import { outcomePage } from '../../src/signing/page/outcome-page';
import type { SigningRequestView } from '../../src/signing/signing-port';

const HOSTILE = `<script>alert("x")</script> & 'Co' <img src=x onerror=alert(1)>`;

const view = (over: Partial<SigningRequestView> = {}): SigningRequestView => ({
  status: 'PENDING',
  language: 'de-DE',
  country: 'DE',
  expiresAt: new Date('2026-12-07T14:30:00Z'),
  partnerName: 'Contoso CSP',
  customerCompanyName: 'Fabrikam GmbH',
  signatory: { firstName: 'Jana', lastName: 'Becker' },
  agreement: { type: 'MICROSOFT_CUSTOMER_AGREEMENT', version: '2', link: 'https://agreements.example.com/mca/v2' },
  documentUri: 'https://agreements.example.com/mca/v2/DE/de-DE',
  answeredAt: null,
  declineReason: null,
  ...over,
});

const form = (request: SigningRequestView, extra: Partial<Parameters<typeof formPage>[0]> = {}) =>
  formPage({ request, language: pickLanguage(request.language), formField: 'abc.def', scriptUrl: 'https://mca.example.com/sign/local-date.js', ...extra });

describe('escaping', () => {
  it('escapes every interpolated value and keeps Html as it is', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p>${'<b>'}${html`<i>${'&'}</i>`}${null}${['<', '>']}</p>`.value).toBe('<p>&lt;b&gt;<i>&amp;</i>&lt;&gt;</p>');
    expect(fillHtml('<{a}> {b}', { a: '<x>', b: html`<i>y</i>` }).value).toBe('&lt;&lt;x&gt;&gt; <i>y</i>');
  });

  it('puts hostile names, reasons and typed values on a page as text only', () => {
    const hostile = view({
      partnerName: HOSTILE,
      customerCompanyName: HOSTILE,
      signatory: { firstName: HOSTILE, lastName: '"><script>' },
      agreement: { type: 'MICROSOFT_CUSTOMER_AGREEMENT', version: HOSTILE, link: 'javascript:alert(1)' },
      documentUri: `https://agreements.example.com/"><script>alert(1)</script>`,
    });
    const pages = [
      form(hostile, { typedName: HOSTILE, reason: `</textarea>${HOSTILE}`, problems: { accept: ['nameMismatch'], reason: true } }).body,
      outcomePage({ ...hostile, status: 'DECLINED', answeredAt: new Date(), declineReason: HOSTILE }, pickLanguage('en'), 'declined').body,
    ];
    for (const body of pages) {
      expect(body).not.toMatch(/<script>|<img|<\/textarea><script/);
      expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;');
      expect(body).not.toContain('href="javascript:');
    }
    // The only script is the page's own, by URL.
    expect(pages[0].match(/<script/g)).toEqual(['<script']);
    expect(pages[0]).toContain('<script src="https://mca.example.com/sign/local-date.js" defer></script>');
  });
});

describe('the form page', () => {
  const page = form(view());

  it('shows partner, customer, signatory, version, document and expiry in the request language', () => {
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="de">');
    for (const text of ['Contoso CSP', 'Fabrikam GmbH', 'Jana Becker', 'Microsoft-Kundenvertrag, Version 2', '7. Dezember 2026 um 15:30 (UTC+01:00)']) {
      expect(page.body).toContain(text);
    }
    expect(page.body).toContain('<a href="https://agreements.example.com/mca/v2/DE/de-DE" rel="noreferrer noopener">');
  });

  it('has a label for every control, a mobile viewport, and one post form per answer', () => {
    const controls = [...page.body.matchAll(/<(input|textarea)\b[^>]*>/g)].map((m) => m[0]).filter((tag) => !/type="hidden"/.test(tag));
    expect(controls).toHaveLength(3);
    for (const control of controls) {
      const id = /\bid="([^"]+)"/.exec(control)?.[1];
      expect(page.body).toMatch(new RegExp(`<label[^>]* for="${id}">`));
    }
    expect(page.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.body.match(/<form method="post"/g)).toHaveLength(2);
    expect(page.body.match(/name="form" value="abc.def"/g)).toHaveLength(2);
  });

  it('is shown again with 422 and the reasons, keeping what was typed', () => {
    const again = form(view(), { problems: { accept: ['checkbox', 'nameMismatch'] }, typedName: 'Jane Baker' });
    expect(again.status).toBe(422);
    expect(again.body).toContain('Setzen Sie das Häkchen');
    expect(again.body).toContain('Der eingegebene Name stimmt nicht mit dem Namen der unterzeichnenden Person überein: Jana Becker.');
    expect(again.body).toContain('value="Jane Baker"');
    expect(again.body).toContain('aria-invalid="true"');
  });
});

describe('the headers of every page', () => {
  const pages = {
    form: form(view()),
    outcome: outcomePage(view({ status: 'FINALIZED', answeredAt: new Date() }), pickLanguage('ko'), 'accepted'),
    invalid: invalidLinkPage(pickLanguage('en')),
    refused: refusedPage(pickLanguage('de'), 403),
    tooMany: tooManyTriesPage(pickLanguage('en'), 7),
  };

  it.each(Object.entries(pages))('%s: strict CSP, no framing, no referrer, no caching, no sniffing', (_name, page) => {
    const csp = page.headers['content-security-policy'];
    for (const directive of ["default-src 'none'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(directive);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|script-src 'self'/);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  });

  it('allow exactly the inline stylesheet, by its hash', () => {
    const { body, headers } = pages.invalid;
    const css = /<style>([\s\S]*?)<\/style>/.exec(body)![1];
    const hash = createHash('sha256').update(css).digest('base64');
    expect(headers['content-security-policy']).toContain(`style-src 'sha256-${hash}'`);
    expect(body).not.toMatch(/ style="/);
  });

  it('allow a script only on the form, and only the local-date script', () => {
    expect(pages.form.headers['content-security-policy']).toContain('script-src https://mca.example.com/sign/local-date.js;');
    expect(pages.outcome.headers['content-security-policy']).not.toContain('script-src');
  });

  it('tell when to try again after too many tries', () => {
    expect(pages.tooMany.status).toBe(429);
    expect(pages.tooMany.headers['retry-after']).toBe('7');
    expect(pages.tooMany.body).toContain('Please wait 7 seconds');
  });
});

describe('the outcome page', () => {
  it('shows the decline and its reason, and no form', () => {
    const page = outcomePage(view({ status: 'DECLINED', answeredAt: new Date('2026-12-01T09:00:00Z'), declineReason: 'Zu teuer.\nSpäter.' }), pickLanguage('de-DE'), 'declined');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Vertrag abgelehnt');
    expect(page.body).toContain('Jana Becker hat am <time datetime="2026-12-01T09:00:00.000Z">1. Dezember 2026 um 10:00 (UTC+01:00)</time> im Namen von Fabrikam GmbH den Microsoft-Kundenvertrag (Version 2) abgelehnt.');
    expect(page.body).toContain('Zu teuer.\nSpäter.');
    expect(page.body).not.toContain('<form');
  });
});

describe('the invalid-link page', () => {
  it('is 404 and the same bytes every time for a language', () => {
    const a = invalidLinkPage(pickLanguage('ko'));
    const b = invalidLinkPage(pickLanguage('ko-KR'));
    expect(a.status).toBe(404);
    expect(b).toEqual(a);
    expect(a.body).toContain('유효하지 않은 링크입니다');
  });
});
