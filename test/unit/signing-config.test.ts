import { ConfigError } from '../../src/shared/config-error';
import { DEVELOPMENT_SIGNING_SECRET, signingConfigFrom } from '../../src/signing/signing-config';

const SECRET = 's'.repeat(32);
const PRODUCTION = { NODE_ENV: 'production', SIGNING_SECRET: SECRET, SIGNING_BASE_URL: 'https://mca.example.com' };
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('the signing configuration', () => {
  it('has defaults outside production: this server on its port, the development secret, no e-mail, 20 tries', () => {
    const config = signingConfigFrom({ PORT: '8080' });
    expect(config).toMatchObject({ baseUrl: 'http://127.0.0.1:8080', origin: 'http://127.0.0.1:8080', usingDevelopmentSecret: true, mail: undefined });
    expect(config.rateLimit).toEqual({ perMinute: 20, burst: 20 });
    expect(text(config.secret)).toBe(DEVELOPMENT_SIGNING_SECRET);
  });

  it('takes the variables it is given', () => {
    const config = signingConfigFrom({
      ...PRODUCTION,
      SIGNING_BASE_URL: 'https://mca.example.com/api/',
      SMTP_URL: 'smtps://user:p%40ss@smtp.example.com:465',
      MAIL_FROM: 'Contoso CSP <agreements@contoso.example>',
      SIGNING_RATE_LIMIT_PER_MINUTE: '6',
      SIGNING_RATE_LIMIT_BURST: '3',
    });
    expect(config).toMatchObject({
      baseUrl: 'https://mca.example.com/api',
      origin: 'https://mca.example.com',
      usingDevelopmentSecret: false,
      mail: { smtpUrl: 'smtps://user:p%40ss@smtp.example.com:465', from: 'Contoso CSP <agreements@contoso.example>' },
      rateLimit: { perMinute: 6, burst: 3 },
    });
    expect(text(config.secret)).toBe(SECRET);
  });

  it.each([
    [{ NODE_ENV: 'production', SIGNING_BASE_URL: 'https://mca.example.com' }, /SIGNING_SECRET/],
    [{ ...PRODUCTION, SIGNING_SECRET: 'x'.repeat(31) }, /SIGNING_SECRET.*32/],
    [{ ...PRODUCTION, SIGNING_BASE_URL: '' }, /SIGNING_BASE_URL/],
    [{ ...PRODUCTION, SIGNING_BASE_URL: 'http://mca.example.com' }, /SIGNING_BASE_URL must be https/],
    [{ SIGNING_BASE_URL: 'not a url' }, /SIGNING_BASE_URL is not a URL/],
    [{ SIGNING_BASE_URL: 'ftp://mca.example.com' }, /SIGNING_BASE_URL must be an http/],
    [{ SIGNING_BASE_URL: 'https://mca.example.com/?a=1' }, /SIGNING_BASE_URL must have no/],
    [{ SMTP_URL: 'http://smtp.example.com', MAIL_FROM: 'a@b.example' }, /SMTP_URL must be an smtp/],
    [{ SMTP_URL: 'smtp:nohost', MAIL_FROM: 'a@b.example' }, /SMTP_URL/],
    [{ SMTP_URL: 'smtp://smtp.example.com' }, /MAIL_FROM/],
    [{ MAIL_FROM: 'a@b.example' }, /SMTP_URL/],
    [{ SMTP_URL: 'smtp://smtp.example.com', MAIL_FROM: 'nobody' }, /MAIL_FROM must be/],
    [{ SIGNING_RATE_LIMIT_PER_MINUTE: '0' }, /SIGNING_RATE_LIMIT_PER_MINUTE/],
    [{ SIGNING_RATE_LIMIT_BURST: '1.5' }, /SIGNING_RATE_LIMIT_BURST/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => signingConfigFrom(env)).toThrow(ConfigError);
    expect(() => signingConfigFrom(env)).toThrow(message);
  });

  it('never quotes a value that may hold a password', () => {
    const secretUrl = 'http://user:hunter2hunter2@smtp.example.com';
    expect(() => signingConfigFrom({ SMTP_URL: secretUrl, MAIL_FROM: 'a@b.example' })).toThrow(/^((?!hunter2).)*$/);
    expect(() => signingConfigFrom({ NODE_ENV: 'production', SIGNING_BASE_URL: 'https://x.example', SIGNING_SECRET: 'hunter2' })).toThrow(/^((?!hunter2).)*$/);
  });
});
