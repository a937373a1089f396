import { DEVELOPMENT_SECRET, loadConfig } from '../../src/config';
import { ConfigError } from '../../src/shared/config-error';

const LONG_SECRET = 'x'.repeat(32);
const JWKS = 'https://login.example.com/common/discovery/v2.0/keys';
const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

describe('configuration', () => {
  it('has defaults: port 4000 on 127.0.0.1, the embedded database, info logs', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      production: false,
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/mca.sqlite',
      logLevel: 'info',
      introspection: true,
    });
  });

  it('uses the development secret outside production when none is set, and says so', () => {
    const { tokens } = loadConfig({});
    expect(tokens.usingDevelopmentSecret).toBe(true);
    expect(text(tokens.secret)).toBe(DEVELOPMENT_SECRET);
  });

  it('takes the variables it is given', () => {
    const config = loadConfig({ PORT: '8080', HOST: '0.0.0.0', DATABASE_URL: 'mysql://u:p@db:3306/mca', JWT_SECRET: 'short is fine here', LOG_LEVEL: 'warn' });
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', databaseUrl: 'mysql://u:p@db:3306/mca', logLevel: 'warn' });
    expect(text(config.tokens.secret)).toBe('short is fine here');
    expect(config.tokens.usingDevelopmentSecret).toBe(false);
  });

  it('treats blank variables as unset', () => {
    expect(loadConfig({ PORT: '', HOST: ' ', DATABASE_URL: '' })).toMatchObject({ port: 4000, host: '127.0.0.1', databaseUrl: 'sqlite:./data/mca.sqlite' });
  });

  it('takes PORT 0 (any free port) and refuses one out of range or not a number', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    for (const PORT of ['65536', '-1', 'http', '80.5']) expect(() => loadConfig({ PORT })).toThrow(ConfigError);
  });

  it('limits requests without a valid token per address: 10 a second, bursts of 20, unless set', () => {
    expect(loadConfig({}).unauthenticatedRateLimit).toEqual({ perSecond: 10, burst: 20 });
    expect(loadConfig({ RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '2', RATE_LIMIT_UNAUTHENTICATED_BURST: '5' }).unauthenticatedRateLimit).toEqual({ perSecond: 2, burst: 5 });
    for (const value of ['0', '-1', 'many']) expect(() => loadConfig({ RATE_LIMIT_UNAUTHENTICATED_BURST: value })).toThrow(/RATE_LIMIT_UNAUTHENTICATED_BURST/);
  });

  it('takes no CORS origins unless CORS_ORIGINS lists them, exactly as browsers send them', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: 'https://portal.example.com, http://localhost:5173' }).corsOrigins).toEqual(['https://portal.example.com', 'http://localhost:5173']);
    for (const value of ['*', 'portal.example.com', 'https://portal.example.com/', 'https://portal.example.com/app', 'https://Portal.example.com', 'https://portal.example.com:443', 'ftp://files.example.com', 'https://a.example,', 'null']) {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    }
  });

  it('refuses an unknown LOG_LEVEL', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
  });

  describe('in production', () => {
    const SIGNING = { SIGNING_BASE_URL: 'https://mca.example.com', SIGNING_SECRET: 'x'.repeat(32) };

    it('refuses to start without JWT_SECRET or JWT_JWKS_URL', () => {
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: '   ' })).toThrow(ConfigError);
    });

    it('refuses a secret shorter than 32 characters and takes one of 32', () => {
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) })).toThrow(/32/);
      const { tokens } = loadConfig({ NODE_ENV: 'production', ...SIGNING, JWT_SECRET: LONG_SECRET });
      expect(text(tokens.secret)).toBe(LONG_SECRET);
      expect(tokens.usingDevelopmentSecret).toBe(false);
    });

    it('starts with JWT_JWKS_URL alone, with no HS256 secret at all', () => {
      const { tokens } = loadConfig({ NODE_ENV: 'production', ...SIGNING, JWT_JWKS_URL: JWKS });
      expect(tokens.jwksUrl?.toString()).toBe(JWKS);
      expect(tokens.secret).toBeUndefined();
    });

    it('refuses to start without the signing page\'s public address and secret', () => {
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: LONG_SECRET })).toThrow(/SIGNING_BASE_URL/);
      expect(loadConfig({ NODE_ENV: 'production', ...SIGNING, JWT_SECRET: LONG_SECRET }).signing.baseUrl).toBe('https://mca.example.com');
    });

    it('turns introspection off unless GRAPHQL_INTROSPECTION=true', () => {
      expect(loadConfig({ NODE_ENV: 'production', ...SIGNING, JWT_SECRET: LONG_SECRET }).introspection).toBe(false);
      expect(loadConfig({ NODE_ENV: 'production', ...SIGNING, JWT_SECRET: LONG_SECRET, GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
      expect(loadConfig({ NODE_ENV: 'production', ...SIGNING, JWT_SECRET: LONG_SECRET }).production).toBe(true);
    });
  });

  it('refuses JWT_SECRET and JWT_JWKS_URL together, in any environment', () => {
    expect(() => loadConfig({ JWT_SECRET: LONG_SECRET, JWT_JWKS_URL: JWKS })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: LONG_SECRET, JWT_JWKS_URL: JWKS })).toThrow(ConfigError);
  });

  it('refuses a JWT_JWKS_URL that is not a URL', () => {
    expect(() => loadConfig({ JWT_JWKS_URL: 'not a url' })).toThrow(ConfigError);
  });

  it('turns introspection off outside production when GRAPHQL_INTROSPECTION=false, and refuses other words', () => {
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'yes' })).toThrow(ConfigError);
  });

  it('reads JWT_ISSUER and JWT_AUDIENCE', () => {
    const { tokens } = loadConfig({ JWT_ISSUER: 'https://issuer.example/', JWT_AUDIENCE: 'api://mca' });
    expect(tokens).toMatchObject({ issuer: 'https://issuer.example/', audience: 'api://mca' });
    expect(loadConfig({}).tokens).toMatchObject({ issuer: undefined, audience: undefined });
  });
});
