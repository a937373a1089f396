import { AddressRateLimiter } from '../../src/signing/address-rate-limit';
import { formatInstant, timeZoneOf, utcOffset } from '../../src/signing/dates';
import { pickLanguage } from '../../src/signing/messages';
import type { SigningRequestStatus, SigningRequestView } from '../../src/signing/signing-port';
import { dateAgreedFrom, declineReason, linkState, typedNameMatches } from '../../src/signing/signing-rules';
import { hashSigningToken, isWellFormedToken, newSigningToken, signingUrl } from '../../src/signing/signing-token';

const NOW = new Date('2026-11-29T12:00:00Z');
const request = (status: SigningRequestStatus, expiresAt = '2026-11-30T12:00:00Z') => ({ status, expiresAt: new Date(expiresAt) }) as SigningRequestView;

describe('what a link shows', () => {
  it('the form while PENDING and before expiresAt, never at or after it', () => {
    expect(linkState(request('PENDING'), NOW)).toBe('open');
    expect(linkState(request('PENDING', '2026-11-29T12:00:00.001Z'), NOW)).toBe('open');
    expect(linkState(request('PENDING', '2026-11-29T12:00:00Z'), NOW)).toBe('invalid');
    expect(linkState(request('PENDING', '2026-11-29T11:00:00Z'), NOW)).toBe('invalid');
  });

  it('one and the same state for unknown, expired and cancelled links', () => {
    expect(linkState(null, NOW)).toBe('invalid');
    expect(linkState(request('EXPIRED'), NOW)).toBe('invalid');
    expect(linkState(request('CANCELLED'), NOW)).toBe('invalid');
  });

  it('the outcome of an answered link, also after it would have expired', () => {
    expect(linkState(request('SIGNED'), NOW)).toBe('accepted');
    expect(linkState(request('FINALIZED', '2026-11-01T00:00:00Z'), NOW)).toBe('accepted');
    expect(linkState(request('DECLINED', '2026-11-01T00:00:00Z'), NOW)).toBe('declined');
  });
});

describe('the typed full name', () => {
  const jana = { firstName: 'Jana', lastName: 'Becker' };

  it.each(['Jana Becker', '  jana   becker ', 'JANA BECKER', 'Becker Jana', 'JanaBecker', 'Jana\u200dBecker'])('%j is the signatory', (typed) => {
    expect(typedNameMatches(typed, jana)).toBe(true);
  });

  it.each(['', '   ', 'Jana', 'Becker', 'Jana Beckerr', 'J. Becker', 'Jana B.'])('%j is not', (typed) => {
    expect(typedNameMatches(typed, jana)).toBe(false);
  });

  it('compares in Unicode NFC, as the duplicate rule does', () => {
    const renee = { firstName: 'Ren\u00e9e', lastName: 'M\u00fcller' };
    expect(typedNameMatches('Rene\u0301e Mu\u0308ller', renee)).toBe(true);
  });

  it('takes a Korean name written family name first, with or without a space', () => {
    const minjun = { firstName: '민준', lastName: '김' };
    expect(typedNameMatches('김민준', minjun)).toBe(true);
    expect(typedNameMatches('김 민준', minjun)).toBe(true);
    expect(typedNameMatches('민준 김', minjun)).toBe(true);
    expect(typedNameMatches('김민', minjun)).toBe(false);
  });
});

describe('dateAgreed', () => {
  it("is the signatory's local date when it is within today's range across time zones", () => {
    expect(dateAgreedFrom('2026-11-29', NOW)).toBe('2026-11-29');
    expect(dateAgreedFrom('2026-11-30', NOW)).toBe('2026-11-30'); // UTC+14 is already there
    expect(dateAgreedFrom('2026-11-29', new Date('2026-11-29T11:30:00Z'))).toBe('2026-11-29');
    expect(dateAgreedFrom('2026-11-28', new Date('2026-11-29T11:30:00Z'))).toBe('2026-11-28'); // UTC-12 is still there
  });

  it('is the UTC date when the page sent none, or one outside that range, or no real date', () => {
    for (const sent of [null, '', '2026-11-31', '2026-12-01', '2026-11-27', '29.11.2026', '2026-11-29T00:00', '2026-02-30']) {
      expect(dateAgreedFrom(sent, NOW)).toBe('2026-11-29');
    }
    expect(dateAgreedFrom('2026-11-28', new Date('2026-11-29T12:00:00Z'))).toBe('2026-11-29'); // UTC-12 is at 2026-11-29 00:00
  });
});

describe('a decline reason', () => {
  it('is trimmed, keeps line breaks, and is null when empty', () => {
    expect(declineReason('  Legal must review it.\r\nSorry.  ')).toEqual({ reason: 'Legal must review it.\nSorry.' });
    expect(declineReason('   ')).toEqual({ reason: null });
    expect(declineReason(null)).toEqual({ reason: null });
    expect(declineReason('x'.repeat(1000))).toEqual({ reason: 'x'.repeat(1000) });
    expect(declineReason('회'.repeat(1000))).toEqual({ reason: '회'.repeat(1000) });
  });

  it('is refused over 1,000 characters, or with hidden or direction-changing characters', () => {
    for (const bad of ['x'.repeat(1001), 'a\u0000b', 'a\u202eb', 'a\u200bb', 'bad \ufffd byte']) expect(declineReason(bad)).toBe('invalid');
  });
});

describe('link tokens', () => {
  it('carry 256 random bits as base64url and are stored only as their SHA-256', () => {
    const { token, tokenHash } = newSigningToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash).toBe(hashSigningToken(token));
    expect(newSigningToken().token).not.toBe(token);
    expect(isWellFormedToken(token)).toBe(true);
  });

  it('shorter than 128 bits, or with other characters, are not tokens', () => {
    for (const bad of ['', 'abc', 'A'.repeat(21), `${'A'.repeat(30)}=`, `${'A'.repeat(30)}.js`, 'A'.repeat(129)]) expect(isWellFormedToken(bad)).toBe(false);
  });

  it('make the link under the base URL', () => {
    expect(signingUrl('https://api.example.com/mca', 'TOKEN')).toBe('https://api.example.com/mca/sign/TOKEN');
  });
});

describe('dates on the page', () => {
  const winter = new Date('2026-12-07T14:30:00Z');
  const summer = new Date('2026-07-07T14:30:00Z');

  it("are in the country's time zone when it has one offset, else in UTC", () => {
    expect(timeZoneOf('DE', winter)).toBe('Europe/Berlin');
    expect(timeZoneOf('KR', winter)).toBe('Asia/Seoul');
    expect(timeZoneOf('US', winter)).toBe('UTC');
    expect(timeZoneOf('ZZ', winter)).toBe('UTC');
    expect(timeZoneOf('not a country', winter)).toBe('UTC');
  });

  it('state the UTC offset', () => {
    expect(utcOffset('Europe/Berlin', winter)).toBe('UTC+01:00');
    expect(utcOffset('Europe/Berlin', summer)).toBe('UTC+02:00');
    expect(formatInstant(winter, pickLanguage('de-DE'), 'DE')).toBe('7. Dezember 2026 um 15:30 (UTC+01:00)');
    expect(formatInstant(winter, pickLanguage('ko-KR'), 'KR')).toBe('2026년 12월 7일 23:30 (UTC+09:00)');
    expect(formatInstant(winter, pickLanguage('en-US'), 'US')).toBe('December 7, 2026 at 2:30 PM (UTC+00:00)');
  });
});

describe('tries per client address', () => {
  it('allow a burst, then refill at the rate, per address', () => {
    let now = 0;
    const limiter = new AddressRateLimiter({ perMinute: 6, burst: 2 }, () => now);
    expect([limiter.take('a'), limiter.take('a')]).toEqual([0, 0]);
    expect(limiter.take('a')).toBe(10); // one try every 10 s
    expect(limiter.take('b')).toBe(0);
    now = 9_000;
    expect(limiter.take('a')).toBe(1);
    now = 10_000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(10);
  });

  it('forget the least recently used of very many addresses', () => {
    const limiter = new AddressRateLimiter({ perMinute: 1, burst: 1 }, () => 0);
    expect(limiter.take('first')).toBe(0);
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.take('first')).toBe(0); // forgotten: starts full again
  });
});
