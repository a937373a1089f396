import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import {
  generateWebhookSecret,
  isWebhookSecret,
  rotateSecret,
  SECRET_OVERLAP_MS,
  secretsInEffect,
  signWebhook,
  webhookBody,
} from '../../src/notifications/webhook-signing';

const BODY = webhookBody('AGREEMENT_STATUS_CHANGED', new Date('2026-11-20T10:00:00Z'), { customerId: 'c-1', status: 'ACCEPTED' });

describe('webhook signing (Standard Webhooks)', () => {
  it('generates whsec_ secrets of 32 random bytes, each different', () => {
    const secrets = Array.from({ length: 20 }, generateWebhookSecret);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
      expect(isWebhookSecret(secret)).toBe(true);
    }
    expect(new Set(secrets).size).toBe(20);
  });

  it('takes secrets of 24 to 64 bytes in the whsec_ format only', () => {
    const of = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;
    expect([of(24), of(64)].map(isWebhookSecret)).toEqual([true, true]);
    expect([of(23), of(65), 'whsec_', Buffer.alloc(32).toString('base64'), `${of(32)} `, 'whsec_not*base64'].map(isWebhookSecret)).toEqual([false, false, false, false, false, false]);
    expect(() => signWebhook('evt_1', new Date(), BODY, [of(16)])).toThrow(/24 to 64 bytes/);
    expect(() => signWebhook('evt_1', new Date(), BODY, [])).toThrow(/at least one secret/);
  });

  it('signs id.timestamp.body with HMAC-SHA256 under the decoded secret: v1,<base64>', () => {
    const secret = generateWebhookSecret();
    const at = new Date('2026-11-20T10:00:00.750Z');
    const headers = signWebhook('evt_1', at, BODY, [secret]);
    const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`evt_1.${Math.floor(at.getTime() / 1000)}.${BODY}`).digest('base64');
    expect(headers).toEqual({ 'webhook-id': 'evt_1', 'webhook-timestamp': '1795168800', 'webhook-signature': `v1,${expected}` });
  });

  it('is verified by the standardwebhooks library, and a changed body, id or timestamp is not', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook('evt_2', new Date(), BODY, [secret]);
    expect(new Webhook(secret).verify(BODY, { ...headers })).toEqual(JSON.parse(BODY));
    expect(() => new Webhook(secret).verify(BODY.replace('ACCEPTED', 'OUTDATED'), { ...headers })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(BODY, { ...headers, 'webhook-id': 'evt_3' })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(BODY, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1) })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(generateWebhookSecret()).verify(BODY, { ...headers })).toThrow(WebhookVerificationError);
  });

  describe('rotation', () => {
    const rotatedAt = new Date('2026-11-20T10:00:00Z');
    const old = generateWebhookSecret();
    const rotated = rotateSecret(old, rotatedAt);

    it('keeps the previous secret for 24 hours', () => {
      expect(rotated.previousSecret).toBe(old);
      expect(rotated.secret).not.toBe(old);
      expect(isWebhookSecret(rotated.secret)).toBe(true);
      expect(rotated.previousSecretUntil.getTime() - rotatedAt.getTime()).toBe(SECRET_OVERLAP_MS);
      expect(SECRET_OVERLAP_MS).toBe(24 * 3_600_000);
    });

    it('signs with both secrets during the overlap: receivers holding either verify', () => {
      const at = new Date(rotatedAt.getTime() + SECRET_OVERLAP_MS - 1);
      const secrets = secretsInEffect(rotated, at);
      expect(secrets).toEqual([rotated.secret, old]);
      const headers = signWebhook('evt_4', new Date(), BODY, secrets);
      expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(new Webhook(old).verify(BODY, { ...headers })).toEqual(JSON.parse(BODY));
      expect(new Webhook(rotated.secret).verify(BODY, { ...headers })).toEqual(JSON.parse(BODY));
    });

    it('signs with the new secret alone once the overlap is over', () => {
      const secrets = secretsInEffect(rotated, rotated.previousSecretUntil);
      expect(secrets).toEqual([rotated.secret]);
      const headers = signWebhook('evt_5', new Date(), BODY, secrets);
      expect(new Webhook(rotated.secret).verify(BODY, { ...headers })).toEqual(JSON.parse(BODY));
      expect(() => new Webhook(old).verify(BODY, { ...headers })).toThrow(WebhookVerificationError);
    });

    it('signs with the one secret of an endpoint never rotated', () => {
      expect(secretsInEffect({ secret: old }, new Date())).toEqual([old]);
      expect(secretsInEffect({ secret: old, previousSecret: null, previousSecretUntil: null }, new Date())).toEqual([old]);
    });
  });

  it('writes the body in the specification\'s shape: type, timestamp, data', () => {
    expect(JSON.parse(BODY)).toEqual({ type: 'AGREEMENT_STATUS_CHANGED', timestamp: '2026-11-20T10:00:00.000Z', data: { customerId: 'c-1', status: 'ACCEPTED' } });
  });
});
