import type { SigningRequestView } from './signing-port';

/** What a link shows: the form, an outcome, or the one page for every link that is not (or no longer) valid. */
export type LinkState = 'open' | 'accepted' | 'declined' | 'invalid';

/**
 * Unknown, cancelled and expired links are alike (`invalid`): a request is never
 * open at or after `expiresAt`, whatever its stored status says. An answered link
 * shows its outcome, never the form again.
 */
export function linkState(request: SigningRequestView | null, now: Date): LinkState {
  if (!request) return 'invalid';
  switch (request.status) {
    case 'PENDING':
      return now.getTime() < request.expiresAt.getTime() ? 'open' : 'invalid';
    case 'SIGNED':
    case 'FINALIZED':
      return 'accepted';
    case 'DECLINED':
      return 'declined';
    default:
      return 'invalid';
  }
}

// As the duplicate rule compares names (trimmed, without ZWNJ/ZWJ, NFC, case-insensitive), and
// without any white space, so "Jane  Doe" and "JaneDoe" are the same signature.
const fold = (value: string) => value.replace(/[\u200c\u200d]/g, '').normalize('NFC').toLowerCase().replace(/\s+/gu, '');

/**
 * Whether the typed full name is the signatory's: given and family name in
 * either order (Korean and other names are written family name first).
 */
export function typedNameMatches(typed: string, signatory: { firstName: string; lastName: string }): boolean {
  const name = fold(typed);
  if (name === '') return false;
  const first = fold(signatory.firstName);
  const last = fold(signatory.lastName);
  return name === first + last || name === last + first;
}

const dateAt = (now: Date, offsetHours: number) => new Date(now.getTime() + offsetHours * 60 * 60 * 1000).toISOString().slice(0, 10);

/**
 * `dateAgreed` of an acceptance: the signatory's local date as the page sent it, when it is
 * a real date within today's range across time zones (UTC-12 to UTC+14); else the UTC date.
 */
export function dateAgreedFrom(localDate: string | null, now: Date): string {
  const utc = dateAt(now, 0);
  if (localDate === null || !/^\d{4}-\d{2}-\d{2}$/.test(localDate)) return utc;
  const parsed = new Date(`${localDate}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== localDate) return utc;
  const earliest = dateAt(now, -12);
  const latest = dateAt(now, 14);
  return localDate >= earliest && localDate <= latest ? localDate : utc;
}

export const REASON_MAX = 1000;

// Line breaks and tabs are fine in a reason; other control characters, and invisible or
// direction-changing ones (Cf but the joiners), are not (README, "Visible text").
const HIDDEN = /(?![\n\t\u200c\u200d])[\p{Cc}\p{Cf}]/u;

/** A decline reason as stored: trimmed, line ends as \n, null when empty; `invalid` when too long or not visible text. */
export function declineReason(value: string | null): { reason: string | null } | 'invalid' {
  const text = (value ?? '').replace(/\r\n?/g, '\n').trim();
  if (text === '') return { reason: null };
  if (!text.isWellFormed() || text.includes('\uFFFD') || HIDDEN.test(text) || [...text].length > REASON_MAX) return 'invalid';
  return { reason: text };
}
