import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Signing per the Standard Webhooks specification: `webhook-id` (the event's
 * id, the same on every attempt), `webhook-timestamp` (seconds, the attempt's
 * time) and `webhook-signature` ("v1,<base64 HMAC-SHA256 of id.timestamp.body>",
 * one per secret in effect, separated by spaces).
 */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** After a rotation the previous secret keeps signing for this long, so receivers can switch over. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

const PREFIX = 'whsec_';
/** The specification asks for 24 to 64 random bytes: 32, the size of an HMAC-SHA256 output. */
const SECRET_BYTES = 32;
const SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** A new signing secret: "whsec_" and 32 random bytes in base64. Shown to the partner once. */
export function generateWebhookSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** Whether `text` is a secret in the whsec_ format holding 24 to 64 bytes. */
export function isWebhookSecret(text: string): boolean {
  const match = SECRET.exec(text);
  if (!match || match[1].length % 4 !== 0) return false;
  const bytes = Buffer.from(match[1], 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/** An endpoint's secrets: the current one, and the one it replaced while the overlap lasts. */
export interface EndpointSecrets {
  secret: string;
  previousSecret?: string | null;
  /** When the previous secret stops signing: the rotation's time plus SECRET_OVERLAP_MS. */
  previousSecretUntil?: Date | null;
}

/** What a rotation at `now` stores: a new secret, the current one as previous until the overlap ends. */
export function rotateSecret(current: string, now: Date): { secret: string; previousSecret: string; previousSecretUntil: Date } {
  return { secret: generateWebhookSecret(), previousSecret: current, previousSecretUntil: new Date(now.getTime() + SECRET_OVERLAP_MS) };
}

/** The secrets that sign a delivery at `now`: the current one first, then the previous one during the overlap. */
export function secretsInEffect(secrets: EndpointSecrets, now: Date): string[] {
  const { secret, previousSecret, previousSecretUntil } = secrets;
  return previousSecret && previousSecretUntil && now < previousSecretUntil ? [secret, previousSecret] : [secret];
}

/** The headers that sign `body` (the exact bytes sent) as event `id` at `timestamp`, once per secret. */
export function signWebhook(id: string, timestamp: Date, body: string, secrets: readonly string[]): WebhookHeaders {
  if (secrets.length === 0) throw new Error('A webhook is signed with at least one secret.');
  for (const secret of secrets) {
    if (!isWebhookSecret(secret)) throw new Error('A webhook secret is "whsec_" and 24 to 64 bytes in base64.');
  }
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(' '),
  };
}

/** The body of a delivery, in the specification's shape: `{ type, timestamp, data }`. */
export function webhookBody(type: string, timestamp: Date, data: unknown): string {
  return JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
}
