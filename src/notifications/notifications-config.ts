import { ConfigError } from '../shared/config-error';

/** Webhook and live-update settings, parsed once at start-up; a bad value stops it naming the variable. */
export interface NotificationsConfig {
  /** REDIS_URL: live updates reach the subscribers of every process through it; unset, only those of the same process. */
  redisUrl?: string;
  webhooks: WebhookConfig;
}

export interface WebhookConfig {
  /** One delivery attempt, from resolving the host to the answer, ends after this long. */
  timeoutMs: number;
  /** Outside production only: destinations may use http and resolve to loopback or private addresses. */
  allowLocalDestinations: boolean;
  /** Endpoints one partner may register. */
  endpointLimit: number;
  /** Delivered events and finished deliveries are kept this long, then pruned. */
  retentionDays: number;
}

export function notificationsConfigFrom(env: NodeJS.ProcessEnv, production: boolean): NotificationsConfig {
  const allowLocalDestinations = flag(env, 'WEBHOOK_ALLOW_LOCAL_DESTINATIONS', false);
  if (production && allowLocalDestinations) {
    throw new ConfigError('WEBHOOK_ALLOW_LOCAL_DESTINATIONS cannot be true with NODE_ENV=production: webhooks go to public https destinations only.');
  }
  return {
    redisUrl: redisUrl(env.REDIS_URL),
    webhooks: {
      timeoutMs: wholeNumber(env, 'WEBHOOK_TIMEOUT_SECONDS', 10, 1, 60) * 1000,
      allowLocalDestinations,
      endpointLimit: wholeNumber(env, 'WEBHOOK_ENDPOINT_LIMIT', 10, 1, 100),
      retentionDays: wholeNumber(env, 'WEBHOOK_RETENTION_DAYS', 30, 1, 3650),
    },
  };
}

function redisUrl(value: string | undefined): string | undefined {
  const text = nonEmpty(value);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('REDIS_URL is not a URL (redis://host:6379 or rediss://host:6380).');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got ${url.protocol}//`);
  }
  return text;
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
