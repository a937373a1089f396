import { composeSigningMail, mailRetryDelayMs, nextMailAttemptAt, type SigningMailInput } from '../../src/signing/signing-mail';

const MINUTE = 60_000;

const input = (over: Partial<SigningMailInput['request']> = {}): SigningMailInput => ({
  to: 'jana.becker@fabrikam.example',
  request: {
    language: 'de-DE',
    country: 'DE',
    expiresAt: new Date('2026-12-07T14:30:00Z'),
    partnerName: 'Contoso CSP',
    customerCompanyName: 'Fabrikam GmbH',
    signatory: { firstName: 'Jana', lastName: 'Becker' },
    agreement: { type: 'MICROSOFT_CUSTOMER_AGREEMENT', version: '2', link: 'https://agreements.example.com/mca/v2' },
    ...over,
  },
  signingUrl: 'https://mca.example.com/sign/TOKEN_TOKEN_TOKEN_TOKEN_TOKEN',
  linkId: 'f'.repeat(64),
});

describe('the e-mail to the signatory', () => {
  it('is in the request language, with the link and the expiry in both parts', () => {
    const mail = composeSigningMail(input(), 'Contoso CSP <agreements@contoso.example>');
    expect(mail.subject).toBe('Bitte stimmen Sie dem Microsoft-Kundenvertrag für Fabrikam GmbH zu');
    expect(mail.language).toBe('de');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('https://mca.example.com/sign/TOKEN_TOKEN_TOKEN_TOKEN_TOKEN');
      expect(part).toContain('7. Dezember 2026 um 15:30 (UTC+01:00)');
      expect(part).toContain('Guten Tag Jana Becker,');
    }
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.html).toContain('href="https://mca.example.com/sign/TOKEN_TOKEN_TOKEN_TOKEN_TOKEN"');
  });

  it('falls back to English, and writes Korean in Korean', () => {
    expect(composeSigningMail(input({ language: 'pt-BR' }), 'a@b.example').subject).toBe('Please accept the Microsoft Customer Agreement for Fabrikam GmbH');
    const korean = composeSigningMail(input({ language: 'ko-KR', country: 'KR', signatory: { firstName: '민준', lastName: '김' } }), 'a@b.example');
    expect(korean.subject).toBe('Fabrikam GmbH의 Microsoft 고객 계약 동의 요청');
    expect(korean.text).toContain('김민준 님, 안녕하세요.');
    expect(korean.text).toContain('2026년 12월 7일 23:30 (UTC+09:00)');
  });

  it('escapes names in the HTML part and keeps the subject on one line', () => {
    const mail = composeSigningMail(input({ partnerName: '<b>Evil</b>\r\nBcc: x@y.example', customerCompanyName: '"><script>x</script>' }), 'a@b.example');
    expect(mail.html).not.toMatch(/<b>Evil|<script>/);
    expect(mail.html).toContain('&lt;b&gt;Evil&lt;/b&gt;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it("has a Message-ID of the link on the sender's domain: the same link, the same message", () => {
    const a = composeSigningMail(input(), 'Contoso CSP <agreements@Contoso.example>');
    expect(a.messageId).toMatch(/^<signing\.[0-9a-f]{32}@contoso\.example>$/);
    expect(composeSigningMail(input(), 'agreements@contoso.example').messageId).toBe(a.messageId);
    expect(composeSigningMail({ ...input(), linkId: 'e'.repeat(64) }, 'agreements@contoso.example').messageId).not.toBe(a.messageId);
  });
});

describe('retrying a failed send', () => {
  it('waits 1, 2, 4, 8, 16, 32 minutes, then every hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => mailRetryDelayMs(n) / MINUTE)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('stops once the next try would not be before the link expires', () => {
    const last = new Date('2026-12-01T10:00:00Z');
    expect(nextMailAttemptAt(3, last, new Date('2026-12-02T00:00:00Z'))).toEqual(new Date('2026-12-01T10:04:00Z'));
    expect(nextMailAttemptAt(3, last, new Date('2026-12-01T10:04:00Z'))).toBeNull();
    expect(nextMailAttemptAt(1, last, new Date('2026-12-01T10:00:30Z'))).toBeNull();
  });
});
