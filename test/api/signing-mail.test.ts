import { signingConfigFrom } from '../../src/signing/signing-config';
import { composeSigningMail, createMailTransport, sendSigningMail, type SigningMailInput } from '../../src/signing/signing-mail';
import { newSigningToken, signingUrl } from '../../src/signing/signing-token';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

const FROM = 'Contoso CSP <agreements@contoso.example>';

function mailFor(language: string, country: string, to: string) {
  const { token, tokenHash } = newSigningToken();
  const url = signingUrl('https://mca.example.com', token);
  const input: SigningMailInput = {
    to,
    request: {
      language,
      country,
      expiresAt: new Date('2026-12-07T14:30:00Z'),
      partnerName: 'Contoso CSP',
      customerCompanyName: 'Fabrikam',
      signatory: language.startsWith('ko') ? { firstName: '민준', lastName: '김' } : { firstName: 'Jana', lastName: 'Becker' },
      agreement: { type: 'MICROSOFT_CUSTOMER_AGREEMENT', version: '2', link: 'https://agreements.example.com/mca/v2' },
    },
    signingUrl: url,
    linkId: tokenHash,
  };
  return { url, mail: composeSigningMail(input, FROM) };
}

describe('sending the signing e-mail through SMTP_URL', () => {
  let smtp: TestSmtp;

  beforeAll(async () => {
    smtp = await startSmtp({ refuse: (address) => address.startsWith('nobody@') });
  });
  afterAll(() => smtp.close());

  const transport = () => createMailTransport(signingConfigFrom({ SMTP_URL: smtp.url, MAIL_FROM: FROM }).mail!);

  it.each([
    ['de-DE', 'DE', 'de', 'Bitte stimmen Sie dem Microsoft-Kundenvertrag für Fabrikam zu', 'Guten Tag Jana Becker,'],
    ['ko-KR', 'KR', 'ko', 'Fabrikam의 Microsoft 고객 계약 동의 요청', '김민준 님, 안녕하세요.'],
    ['es-ES', 'ES', 'en', 'Please accept the Microsoft Customer Agreement for Fabrikam', 'Hello Jana Becker,'],
  ])('arrives once for %s, in the language it speaks, with a plain text and an HTML part, both with the link', async (language, country, spoken, subject, greeting) => {
    const before = smtp.messages.length;
    const to = `signatory-${language}@fabrikam.example`;
    const { url, mail } = mailFor(language, country, to);
    const result = await sendSigningMail(transport(), mail);
    expect(result).toMatchObject({ sent: true, messageId: mail.messageId });
    await smtp.waitFor(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a duplicate would have arrived by now
    const arrived = smtp.messages.slice(before);
    expect(arrived).toHaveLength(1);
    const [{ parsed, to: envelopeTo, from }] = arrived;
    expect(envelopeTo).toEqual([to]);
    expect(from).toBe('agreements@contoso.example');
    expect(parsed.subject).toBe(subject);
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.headers.get('content-language')).toBe(spoken);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.text).toContain(greeting);
    expect(parsed.text).toContain(url);
    expect(parsed.html).toBeTruthy();
    expect(parsed.html as string).toContain(`href="${url}"`);
    expect(parsed.html as string).toContain(`lang="${spoken}"`);
  });

  it('reports a refused recipient as failed for good (no retry)', async () => {
    const before = smtp.messages.length;
    const result = await sendSigningMail(transport(), mailFor('en-US', 'US', 'nobody@fabrikam.example').mail);
    expect(result).toMatchObject({ sent: false, retry: false });
    if (!result.sent) expect(result.reason).not.toContain('nobody@fabrikam.example'); // scrubbed: the reason is logged
    expect(smtp.messages.length).toBe(before);
  });

  it('reports a server that does not answer as failed, to be retried', async () => {
    const down = await startSmtp();
    await down.close();
    const config = signingConfigFrom({ SMTP_URL: down.url, MAIL_FROM: FROM }).mail!;
    const result = await sendSigningMail(createMailTransport(config), mailFor('en-US', 'US', 'jana@fabrikam.example').mail);
    expect(result).toMatchObject({ sent: false, retry: true });
  });
});
