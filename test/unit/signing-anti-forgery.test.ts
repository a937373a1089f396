import { checkFormField, clientAddressHash, FORM_MAX_AGE_MS, formField, postedFromOwnOrigin, signingKeys } from '../../src/signing/anti-forgery';

const keys = signingKeys(new TextEncoder().encode('a secret of the server, 32+ characters'));
const other = signingKeys(new TextEncoder().encode('another secret of another server!!'));
const HASH = 'a'.repeat(64);
const DOC = 'https://agreements.example.com/mca/v2/DE/de-DE';
const NOW = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);

describe('the anti-forgery field', () => {
  const field = formField(keys, HASH, DOC, NOW);

  it('is valid for the link and document it was rendered for, within its age', () => {
    expect(checkFormField(keys, field, HASH, DOC, NOW)).toBe('valid');
    expect(checkFormField(keys, field, HASH, DOC, at(FORM_MAX_AGE_MS))).toBe('valid');
  });

  it('is stale once older than its age (the form is shown again)', () => {
    expect(checkFormField(keys, field, HASH, DOC, at(FORM_MAX_AGE_MS + 1))).toBe('stale');
  });

  it('is forged for another link, another document, another secret, or altered', () => {
    expect(checkFormField(keys, field, 'b'.repeat(64), DOC, NOW)).toBe('forged');
    expect(checkFormField(keys, field, HASH, `${DOC}x`, NOW)).toBe('forged');
    expect(checkFormField(other, field, HASH, DOC, NOW)).toBe('forged');
    const [issued, mac] = field.split('.');
    expect(checkFormField(keys, `${(parseInt(issued, 36) + 1).toString(36)}.${mac}`, HASH, DOC, NOW)).toBe('forged');
    expect(checkFormField(keys, `${issued}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, HASH, DOC, NOW)).toBe('forged');
  });

  it('is forged when missing or malformed, or rendered in the future', () => {
    for (const bad of [null, '', 'x', `${field}.`, field.replace('.', ''), `-1.${field.split('.')[1]}`]) {
      expect(checkFormField(keys, bad, HASH, DOC, NOW)).toBe('forged');
    }
    expect(checkFormField(keys, formField(keys, HASH, DOC, at(2 * 60_000)), HASH, DOC, NOW)).toBe('forged');
    expect(checkFormField(keys, formField(keys, HASH, DOC, at(30_000)), HASH, DOC, NOW)).toBe('valid'); // clock skew
  });
});

describe('where a post comes from', () => {
  const origin = 'https://mca.example.com';

  it('is ours when Origin is our origin, or, with Origin null (no-referrer pages) or none, Sec-Fetch-Site says same-origin', () => {
    expect(postedFromOwnOrigin({ origin }, origin)).toBe(true);
    expect(postedFromOwnOrigin({ origin, secFetchSite: 'same-origin' }, origin)).toBe(true);
    expect(postedFromOwnOrigin({ origin: 'null', secFetchSite: 'same-origin' }, origin)).toBe(true);
    expect(postedFromOwnOrigin({ secFetchSite: 'same-origin' }, origin)).toBe(true);
  });

  it('is not ours from another origin, an opaque one, or without either header', () => {
    expect(postedFromOwnOrigin({ origin: 'https://evil.example' }, origin)).toBe(false);
    expect(postedFromOwnOrigin({ origin: 'https://mca.example.com:8443' }, origin)).toBe(false);
    expect(postedFromOwnOrigin({ origin: 'http://mca.example.com' }, origin)).toBe(false);
    expect(postedFromOwnOrigin({ origin: 'null' }, origin)).toBe(false);
    expect(postedFromOwnOrigin({ origin: 'null', secFetchSite: 'cross-site' }, origin)).toBe(false);
    expect(postedFromOwnOrigin({ origin: 'https://evil.example', secFetchSite: 'same-origin' }, origin)).toBe(false);
    expect(postedFromOwnOrigin({ secFetchSite: 'cross-site' }, origin)).toBe(false);
    expect(postedFromOwnOrigin({ secFetchSite: 'same-site' }, origin)).toBe(false);
    expect(postedFromOwnOrigin({}, origin)).toBe(false);
  });
});

describe('the client address hash', () => {
  it('is the same for the same address, differs per address and per secret, and does not contain the address', () => {
    const hash = clientAddressHash(keys, '203.0.113.7');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(clientAddressHash(keys, '203.0.113.7')).toBe(hash);
    expect(clientAddressHash(keys, '203.0.113.8')).not.toBe(hash);
    expect(clientAddressHash(other, '203.0.113.7')).not.toBe(hash);
  });
});
