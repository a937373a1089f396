import { type NotificationsConfig, notificationsConfigFrom } from './notifications/notifications-config';
import { ConfigError } from './shared/config-error';
import { type SigningConfig, signingConfigFrom } from './signing/signing-config';

/**
 * The environment, parsed and validated once. Anything wrong stops start-up
 * with a message naming the variable.
 */
export interface TokenConfig {
  /** HS256 key; set from JWT_SECRET, or the development secret outside production. */
  secret?: Uint8Array;
  /** RS256/ES256 keys are fetched from here when set. */
  jwksUrl?: URL;
  issuer?: string;
  audience?: string;
  usingDevelopmentSecret: boolean;
}

export interface Config {
  production: boolean;
  databaseUrl: string;
  port: number;
  host: string;
  tokens: TokenConfig;
  introspection: boolean;
  logLevel: string;
  idempotency: IdempotencyConfig;
  limits: OperationLimits;
  rateLimit: RateLimitConfig;
  /** Requests without a valid token, per client address and server process. */
  unauthenticatedRateLimit: RateLimitConfig;
  /** Browser origins (`https://portal.example.com`) whose pages may call the API (CORS); none by default. */
  corsOrigins: readonly string[];
  /** Server processes sharing the port (node cluster); 1 runs in this process. */
  workers: number;
  /** How long a known partner is remembered between requests. */
  partnerCacheMs: number;
  /** How long the published agreement versions a process has read are kept. */
  agreementCacheMs: number;
  shutdown: { delayMs: number; timeoutMs: number };
  /** The signing page and its e-mail: SIGNING_BASE_URL, SIGNING_SECRET, SMTP_URL, MAIL_FROM, SIGNING_RATE_LIMIT_*. */
  signing: SigningConfig;
  /** Webhooks and live updates (REDIS_URL). */
  notifications: NotificationsConfig;
}

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimitConfig {
  perSecond: number;
  burst: number;
}

/** What one GraphQL request may ask for (checked before anything runs). */
export interface OperationLimits {
  depth: number;
  /** Cost of an operation: fields, multiplied by the page sizes (`first`) and bulk sizes they sit under. */
  cost: number;
  aliases: number;
  tokens: number;
  /** Whether a request may carry an array of operations. */
  batching: boolean;
}

export interface IdempotencyConfig {
  /** How long a key and its stored response are kept. */
  ttlMs: number;
  /** How long a request waits for another one with its key to finish before IDEMPOTENCY_KEY_IN_USE. */
  waitMs: number;
}


/** Used only outside production when JWT_SECRET is unset, so that `npm start` and the CLI agree. */
export const DEVELOPMENT_SECRET = 'mca-acceptance-api development secret: never use in production';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/mca.sqlite';

export const databaseUrlFrom = (env: NodeJS.ProcessEnv) => nonEmpty(env.DATABASE_URL) ?? DEFAULT_DATABASE_URL;

/** MySQL statement timeout: a database that stops answering fails requests within it. */
export const statementTimeoutFrom = (env: NodeJS.ProcessEnv) => positive(env, 'DB_STATEMENT_TIMEOUT_MS', 1500);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  return {
    production,
    databaseUrl: databaseUrlFrom(env),
    port: port(env.PORT),
    host: nonEmpty(env.HOST) ?? '127.0.0.1',
    tokens: tokenConfig(env, production),
    introspection: flag(env, 'GRAPHQL_INTROSPECTION', !production),
    logLevel: logLevel(env.LOG_LEVEL),
    limits: {
      depth: positive(env, 'GRAPHQL_MAX_DEPTH', 12),
      cost: positive(env, 'GRAPHQL_MAX_COST', 25_000),
      aliases: positive(env, 'GRAPHQL_MAX_ALIASES', 30),
      tokens: positive(env, 'GRAPHQL_MAX_TOKENS', 5_000),
      batching: flag(env, 'GRAPHQL_BATCHING', false),
    },
    workers: wholeNumber(env, 'WORKERS', 1, 1, 64),
    partnerCacheMs: wholeNumber(env, 'PARTNER_CACHE_SECONDS', 5, 0, 3600) * 1000,
    agreementCacheMs: wholeNumber(env, 'AGREEMENT_CACHE_SECONDS', 5, 0, 3600) * 1000,
    shutdown: {
      delayMs: wholeNumber(env, 'SHUTDOWN_DELAY_SECONDS', 0, 0, 300) * 1000,
      timeoutMs: wholeNumber(env, 'SHUTDOWN_TIMEOUT_SECONDS', 25, 0, 3600) * 1000,
    },
    rateLimit: {
      perSecond: positive(env, 'RATE_LIMIT_PER_SECOND', 100),
      burst: positive(env, 'RATE_LIMIT_BURST', 200),
    },
    unauthenticatedRateLimit: {
      perSecond: positive(env, 'RATE_LIMIT_UNAUTHENTICATED_PER_SECOND', 10),
      burst: positive(env, 'RATE_LIMIT_UNAUTHENTICATED_BURST', 20),
    },
    corsOrigins: corsOrigins(env.CORS_ORIGINS),
    idempotency: {
      ttlMs: positive(env, 'IDEMPOTENCY_TTL_HOURS', 24) * 3_600_000,
      waitMs: positive(env, 'IDEMPOTENCY_WAIT_SECONDS', 10) * 1000,
    },
    notifications: notificationsConfigFrom(env, production),
    // Last: the settings it builds on (PORT) are checked, and named, first.
    signing: signingConfigFrom(env),
  };
}

function tokenConfig(env: NodeJS.ProcessEnv, production: boolean): TokenConfig {
  const secret = nonEmpty(env.JWT_SECRET);
  const jwks = nonEmpty(env.JWT_JWKS_URL);
  if (secret && jwks) throw new ConfigError('Set JWT_SECRET or JWT_JWKS_URL, not both.');
  if (production && !secret && !jwks) {
    throw new ConfigError('NODE_ENV=production needs JWT_SECRET (HS256) or JWT_JWKS_URL (RS256/ES256).');
  }
  if (production && secret && secret.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters in production.');
  }
  let jwksUrl: URL | undefined;
  if (jwks) {
    try {
      jwksUrl = new URL(jwks);
    } catch {
      throw new ConfigError(`JWT_JWKS_URL is not a URL: ${jwks}`);
    }
  }
  const usingDevelopmentSecret = !secret && !jwks;
  return {
    secret: jwks ? undefined : new TextEncoder().encode(secret ?? DEVELOPMENT_SECRET),
    jwksUrl,
    issuer: nonEmpty(env.JWT_ISSUER),
    audience: nonEmpty(env.JWT_AUDIENCE),
    usingDevelopmentSecret,
  };
}

/**
 * Exact origins, written as a browser sends them in `Origin`: scheme, host
 * and port (none when it is the scheme's default), lower case, nothing after.
 */
function corsOrigins(value: string | undefined): string[] {
  const list = nonEmpty(value);
  if (list === undefined) return [];
  return list.split(',').map((given) => {
    const origin = given.trim();
    if (!isOrigin(origin)) {
      throw new ConfigError(`CORS_ORIGINS must be comma-separated origins like https://portal.example.com (lower case, no path or trailing slash), got ${JSON.stringify(origin)}`);
    }
    return origin;
  });
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
  } catch {
    return false;
  }
}

function port(value: string | undefined): number {
  if (!nonEmpty(value)) return 4000;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`PORT must be 0..65535, got ${value}`);
  return n;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(value: string | undefined): string {
  const level = nonEmpty(value) ?? 'info';
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${level}`);
  return level;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = nonEmpty(env[name]);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, got ${value}`);
  return n;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = nonEmpty(env[name]);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = nonEmpty(env[name]);
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${value}`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
