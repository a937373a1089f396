import { ConfigError } from '../shared/config-error';

/** The signing page's and e-mail's settings, from the environment. */
export interface SigningConfig {
  /** Where signing links point (`<baseUrl>/sign/<token>`): the public address of this server, no trailing slash. */
  baseUrl: string;
  /** The origin of `baseUrl`: a form may be posted only from it. */
  origin: string;
  /** Key for the anti-forgery field and the client address hash (SIGNING_SECRET). */
  secret: Uint8Array;
  usingDevelopmentSecret: boolean;
  /** Unset without SMTP_URL: e-mail is not configured (EMAIL_NOT_CONFIGURED). */
  mail?: MailConfig;
  /** Tries (page views and answers) per client address and server process. */
  rateLimit: { perMinute: number; burst: number };
}

export interface MailConfig {
  /** smtp:// (STARTTLS when offered) or smtps:// (TLS from the start), with user and password when needed. */
  smtpUrl: string;
  /** The sender, `address` or `Name <address>`. */
  from: string;
}

/** Used outside production when SIGNING_SECRET is unset. */
export const DEVELOPMENT_SIGNING_SECRET = 'mca-acceptance-api development signing secret: never use in production';

const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

/**
 * SMTP_URL, MAIL_FROM, SIGNING_BASE_URL, SIGNING_SECRET and SIGNING_RATE_LIMIT_*,
 * validated; a bad value stops start-up with a message naming the variable.
 * Values that may hold a password (SMTP_URL, SIGNING_SECRET) are never quoted.
 */
export function signingConfigFrom(env: NodeJS.ProcessEnv): SigningConfig {
  const production = env.NODE_ENV === 'production';
  const base = baseUrl(env, production);
  return {
    baseUrl: base.href.replace(/\/+$/, ''),
    origin: base.origin,
    ...secret(env, production),
    mail: mail(env),
    rateLimit: {
      perMinute: positive(env, 'SIGNING_RATE_LIMIT_PER_MINUTE', 20),
      burst: wholeNumber(env, 'SIGNING_RATE_LIMIT_BURST', 20, 1, 100_000),
    },
  };
}

function baseUrl(env: NodeJS.ProcessEnv, production: boolean): URL {
  const value = nonEmpty(env.SIGNING_BASE_URL);
  if (value === undefined) {
    if (production) throw new ConfigError('NODE_ENV=production needs SIGNING_BASE_URL, the public https:// address signing links point to.');
    return new URL(`http://127.0.0.1:${nonEmpty(env.PORT) ?? '4000'}`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`SIGNING_BASE_URL is not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`SIGNING_BASE_URL must be an http:// or https:// URL, got ${value}`);
  if (production && url.protocol !== 'https:') throw new ConfigError(`SIGNING_BASE_URL must be https:// in production, got ${value}`);
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(`SIGNING_BASE_URL must have no user, query or fragment, got ${value}`);
  }
  return url;
}

function secret(env: NodeJS.ProcessEnv, production: boolean): { secret: Uint8Array; usingDevelopmentSecret: boolean } {
  const value = nonEmpty(env.SIGNING_SECRET);
  if (production && value === undefined) throw new ConfigError('NODE_ENV=production needs SIGNING_SECRET (32+ characters).');
  if (production && value !== undefined && value.length < 32) throw new ConfigError('SIGNING_SECRET must be at least 32 characters in production.');
  return { secret: new TextEncoder().encode(value ?? DEVELOPMENT_SIGNING_SECRET), usingDevelopmentSecret: value === undefined };
}

function mail(env: NodeJS.ProcessEnv): MailConfig | undefined {
  const smtpUrl = nonEmpty(env.SMTP_URL);
  const from = nonEmpty(env.MAIL_FROM);
  if (smtpUrl === undefined) {
    if (from !== undefined) throw new ConfigError('MAIL_FROM is set but SMTP_URL is not: set both to send e-mail, or neither.');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new ConfigError('SMTP_URL is not a URL (expected smtp://user:password@host:587 or smtps://…:465).');
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || url.hostname === '') {
    throw new ConfigError('SMTP_URL must be an smtp:// or smtps:// URL with a host.');
  }
  if (from === undefined) throw new ConfigError('SMTP_URL is set but MAIL_FROM is not: the sender address, e.g. "Contoso CSP <agreements@contoso.example>".');
  const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from;
  if (!ADDRESS.test(address.trim()) || /[\r\n]/.test(from)) throw new ConfigError(`MAIL_FROM must be an e-mail address or "Name <address>", got ${from}`);
  return { smtpUrl, from };
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
