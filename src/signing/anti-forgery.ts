import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Why a posted form is trusted (cross-site request forgery):
 *
 * 1. The browser says where the form came from. `Origin` must be this server's
 *    public origin (SIGNING_BASE_URL). Our pages say `Referrer-Policy: no-referrer`
 *    (the token is in the URL), and under it browsers send `Origin: null` even
 *    for a post to the page's own origin; then, as without Origin, the browser's
 *    `Sec-Fetch-Site` must be `same-origin`. A page on another site can set
 *    neither header. A browser too old to send Sec-Fetch-Site is refused rather
 *    than trusted.
 * 2. The form carries a field only a page rendered by this server holds: when
 *    it was rendered, and an HMAC (keyed by SIGNING_SECRET) over that time, the
 *    link's token hash and the document shown. Another site cannot read our page
 *    (no CORS, `frame-ancestors 'none'`), so it cannot copy the field; the field
 *    is tied to one link, ages out after FORM_MAX_AGE_MS, and proves which
 *    document the signatory had in front of them.
 *
 * No cookie is needed: the link's token already names the request, and the
 * page works without JavaScript.
 */
export const FORM_MAX_AGE_MS = 2 * 60 * 60 * 1000;

// A field from a clock a little ahead is still ours; one from further ahead is not.
const CLOCK_SKEW_MS = 60 * 1000;

/** Separate keys for separate uses, derived from the one secret. */
export interface SigningKeys {
  form: Buffer;
  address: Buffer;
}

export const signingKeys = (secret: Uint8Array): SigningKeys => ({
  form: createHmac('sha256', secret).update('signing form field').digest(),
  address: createHmac('sha256', secret).update('client address').digest(),
});

const mac = (key: Buffer, issuedAt: string, tokenHash: string, documentUri: string) =>
  createHmac('sha256', key).update(`${issuedAt}\n${tokenHash}\n${documentUri}`).digest('base64url');

/** The anti-forgery field of a form rendered now for this link and document: `<ms since epoch, base 36>.<HMAC>`. */
export function formField(keys: SigningKeys, tokenHash: string, documentUri: string, now: Date): string {
  const issuedAt = now.getTime().toString(36);
  return `${issuedAt}.${mac(keys.form, issuedAt, tokenHash, documentUri)}`;
}

/**
 * `valid`: rendered by this server for this link and document, within FORM_MAX_AGE_MS;
 * `stale`: the same but older (the page is shown again with a fresh field); `forged`: anything else.
 */
export function checkFormField(keys: SigningKeys, field: string | null, tokenHash: string, documentUri: string, now: Date): 'valid' | 'stale' | 'forged' {
  const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(field ?? '');
  if (!match) return 'forged';
  const [, issuedAt, given] = match;
  const expected = Buffer.from(mac(keys.form, issuedAt, tokenHash, documentUri));
  if (!timingSafeEqual(Buffer.from(given), expected)) return 'forged';
  const age = now.getTime() - parseInt(issuedAt, 36);
  if (age < -CLOCK_SKEW_MS) return 'forged';
  return age > FORM_MAX_AGE_MS ? 'stale' : 'valid';
}

/**
 * Whether the browser says the post comes from this server's own pages (see above):
 * `Origin` equal to `origin`, or, with `Origin: null` or none, `Sec-Fetch-Site: same-origin`.
 */
export function postedFromOwnOrigin(headers: { origin?: string; secFetchSite?: string }, origin: string): boolean {
  if (headers.origin !== undefined && headers.origin !== 'null') return headers.origin === origin;
  return headers.secFetchSite === 'same-origin';
}

/** The client address as kept with the evidence: HMAC-SHA256, hex, so equal addresses compare equal and none can be read back. */
export const clientAddressHash = (keys: SigningKeys, address: string): string =>
  createHmac('sha256', keys.address).update(address).digest('hex');
