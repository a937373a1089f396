import { ConfigError } from '../../src/shared/config-error';
import { notificationsConfigFrom } from '../../src/notifications/notifications-config';

describe('notifications configuration', () => {
  it('has defaults: no Redis (this process only), 10 s per webhook attempt, public https destinations only', () => {
    expect(notificationsConfigFrom({}, false)).toEqual({ redisUrl: undefined, webhooks: { timeoutMs: 10_000, allowLocalDestinations: false, endpointLimit: 10, retentionDays: 30 } });
  });

  it('takes REDIS_URL, WEBHOOK_TIMEOUT_SECONDS and, outside production, WEBHOOK_ALLOW_LOCAL_DESTINATIONS', () => {
    const config = notificationsConfigFrom({ REDIS_URL: ' redis://cache:6379/2 ', WEBHOOK_TIMEOUT_SECONDS: '30', WEBHOOK_ALLOW_LOCAL_DESTINATIONS: 'true', WEBHOOK_ENDPOINT_LIMIT: '3', WEBHOOK_RETENTION_DAYS: '7' }, false);
    expect(config).toEqual({ redisUrl: 'redis://cache:6379/2', webhooks: { timeoutMs: 30_000, allowLocalDestinations: true, endpointLimit: 3, retentionDays: 7 } });
    expect(notificationsConfigFrom({ REDIS_URL: 'rediss://user:secret@cache:6380' }, true).redisUrl).toBe('rediss://user:secret@cache:6380');
  });

  it('treats blank variables as unset', () => {
    expect(notificationsConfigFrom({ REDIS_URL: ' ', WEBHOOK_TIMEOUT_SECONDS: '', WEBHOOK_ALLOW_LOCAL_DESTINATIONS: '' }, true)).toEqual(notificationsConfigFrom({}, true));
  });

  it('refuses local destinations in production, naming the variable', () => {
    expect(() => notificationsConfigFrom({ WEBHOOK_ALLOW_LOCAL_DESTINATIONS: 'true' }, true)).toThrow(/^WEBHOOK_ALLOW_LOCAL_DESTINATIONS cannot be true with NODE_ENV=production/);
    expect(notificationsConfigFrom({ WEBHOOK_ALLOW_LOCAL_DESTINATIONS: 'false' }, true).webhooks.allowLocalDestinations).toBe(false);
  });

  it.each([
    ['REDIS_URL', 'cache:6379', /^REDIS_URL must start with redis:\/\/ or rediss:\/\//],
    ['REDIS_URL', 'http://cache:6379', /^REDIS_URL must start with redis:\/\/ or rediss:\/\//],
    ['REDIS_URL', 'not a url', /^REDIS_URL is not a URL/],
    ['WEBHOOK_TIMEOUT_SECONDS', '0', /^WEBHOOK_TIMEOUT_SECONDS must be a whole number from 1 to 60, got 0/],
    ['WEBHOOK_TIMEOUT_SECONDS', '61', /^WEBHOOK_TIMEOUT_SECONDS must be/],
    ['WEBHOOK_TIMEOUT_SECONDS', '2.5', /^WEBHOOK_TIMEOUT_SECONDS must be/],
    ['WEBHOOK_ENDPOINT_LIMIT', '0', /^WEBHOOK_ENDPOINT_LIMIT must be a whole number from 1 to 100, got 0/],
    ['WEBHOOK_RETENTION_DAYS', '0', /^WEBHOOK_RETENTION_DAYS must be a whole number from 1 to 3650, got 0/],
    ['WEBHOOK_ALLOW_LOCAL_DESTINATIONS', 'yes', /^WEBHOOK_ALLOW_LOCAL_DESTINATIONS must be true or false, got yes/],
  ])('refuses %s=%s, naming it', (name, value, message) => {
    expect(() => notificationsConfigFrom({ [name]: value }, false)).toThrow(ConfigError);
    expect(() => notificationsConfigFrom({ [name]: value }, false)).toThrow(message);
  });

  it('does not repeat a REDIS_URL it refuses (it may hold a password)', () => {
    expect(() => notificationsConfigFrom({ REDIS_URL: 'tcp://user:hunter2@cache' }, false)).toThrow(/^(?!.*hunter2)/s);
  });
});
