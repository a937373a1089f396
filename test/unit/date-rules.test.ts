import { Kind } from 'graphql';
import { checkDateAgreed, checkNotBeforeEffective, checkNotInFuture, latestBegunDate } from '../../src/acceptances/date-rules';
import { DomainError } from '../../src/shared/errors';
import { CalendarDate } from '../../src/shared/scalars';

const FIELD = 'input.dateAgreed';

/** The DomainError `check` throws, or null when it passes. */
function refusal(check: () => void): DomainError | null {
  try {
    check();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

const at = (iso: string) => new Date(iso);

describe('the latest date that has begun anywhere (UTC+14)', () => {
  it('is still the UTC date until 10:00 UTC', () => {
    expect(latestBegunDate(at('2026-11-20T09:59:59.999Z'))).toBe('2026-11-20');
  });

  it('is the next day from 10:00 UTC, when the day begins in UTC+14', () => {
    expect(latestBegunDate(at('2026-11-20T10:00:00.000Z'))).toBe('2026-11-21');
  });

  it('is right at both ends of a day it has just answered, and when the clock goes back', () => {
    expect(latestBegunDate(at('2026-11-20T12:00:00.000Z'))).toBe('2026-11-21');
    expect(latestBegunDate(at('2026-11-21T09:59:59.999Z'))).toBe('2026-11-21');
    expect(latestBegunDate(at('2026-11-21T10:00:00.000Z'))).toBe('2026-11-22');
    expect(latestBegunDate(at('2026-11-20T09:59:59.999Z'))).toBe('2026-11-20');
    expect(latestBegunDate(at('2026-11-20T10:00:00.000Z'))).toBe('2026-11-21');
  });

  it('crosses months and years', () => {
    expect(latestBegunDate(at('2026-12-31T10:00:00.000Z'))).toBe('2027-01-01');
    expect(latestBegunDate(at('2024-02-28T10:00:00.000Z'))).toBe('2024-02-29');
  });
});

describe('a dateAgreed in the future', () => {
  it('accepts today in UTC+14 at the last millisecond before the next day begins there', () => {
    expect(refusal(() => checkNotInFuture('2026-11-20', at('2026-11-20T09:59:59.999Z'), FIELD))).toBeNull();
  });

  it('refuses a date that has not begun anywhere with DATE_IN_FUTURE naming the field', () => {
    const error = refusal(() => checkNotInFuture('2026-11-21', at('2026-11-20T09:59:59.999Z'), FIELD));
    expect(error?.extensions).toEqual({ code: 'DATE_IN_FUTURE', field: FIELD });
    expect(error?.message).toContain(FIELD);
  });

  it('accepts that date one millisecond later, when it has begun in UTC+14', () => {
    expect(refusal(() => checkNotInFuture('2026-11-21', at('2026-11-20T10:00:00.000Z'), FIELD))).toBeNull();
  });

  it("lets a partner in Seoul enter today's date at 08:00 local time, while it is still yesterday in UTC", () => {
    const eightInSeoul = at('2026-11-21T08:00:00+09:00');
    expect(eightInSeoul.toISOString()).toBe('2026-11-20T23:00:00.000Z');
    expect(refusal(() => checkNotInFuture('2026-11-21', eightInSeoul, FIELD))).toBeNull();
    expect(refusal(() => checkNotInFuture('2026-11-22', eightInSeoul, FIELD))?.extensions.code).toBe('DATE_IN_FUTURE');
  });

  it('refuses a date far ahead', () => {
    expect(refusal(() => checkNotInFuture('2027-01-01', at('2026-11-20T12:00:00Z'), FIELD))?.extensions.code).toBe('DATE_IN_FUTURE');
  });

  it('accepts a leap day in the past', () => {
    expect(refusal(() => checkNotInFuture('2024-02-29', at('2026-11-20T12:00:00Z'), FIELD))).toBeNull();
  });
});

describe("a dateAgreed before the template's effective date", () => {
  it('refuses the day before the effective date with DATE_BEFORE_EFFECTIVE naming the field', () => {
    const error = refusal(() => checkNotBeforeEffective('2019-09-30', '2019-10-01', FIELD));
    expect(error?.extensions).toEqual({ code: 'DATE_BEFORE_EFFECTIVE', field: FIELD });
  });

  it('accepts the effective date itself and any later date', () => {
    expect(refusal(() => checkNotBeforeEffective('2019-10-01', '2019-10-01', FIELD))).toBeNull();
    expect(refusal(() => checkNotBeforeEffective('2020-01-01', '2019-10-01', FIELD))).toBeNull();
  });

  it('compares across years and months, not as loose text', () => {
    expect(refusal(() => checkNotBeforeEffective('2018-12-31', '2019-01-01', FIELD))?.extensions.code).toBe('DATE_BEFORE_EFFECTIVE');
    expect(refusal(() => checkNotBeforeEffective('2019-10-31', '2019-11-01', FIELD))?.extensions.code).toBe('DATE_BEFORE_EFFECTIVE');
  });

  it('checks both rules together', () => {
    const now = at('2026-11-20T12:00:00Z');
    expect(refusal(() => checkDateAgreed('2026-11-20', '2019-10-01', now, FIELD))).toBeNull();
    expect(refusal(() => checkDateAgreed('2026-11-22', '2019-10-01', now, FIELD))?.extensions.code).toBe('DATE_IN_FUTURE');
    expect(refusal(() => checkDateAgreed('2019-09-30', '2019-10-01', now, FIELD))?.extensions.code).toBe('DATE_BEFORE_EFFECTIVE');
  });
});

describe('the Date scalar', () => {
  it.each(['2026-02-30', '2025-02-29', '2026-1-01', '2026-11-21T00:00:00Z', '20261121', ' 2026-11-21', '2026-13-01'])(
    'refuses %j',
    (value) => {
      expect(() => CalendarDate.parseValue(value)).toThrow();
    },
  );

  it('refuses a number', () => {
    expect(() => CalendarDate.parseValue(20261121)).toThrow();
  });

  it('accepts a leap day and gives the application the same text', () => {
    expect(CalendarDate.parseValue('2024-02-29')).toBe('2024-02-29');
    expect(CalendarDate.parseValue('2026-11-21')).toBe('2026-11-21');
  });

  it('reads a literal in the query the same way', () => {
    expect(CalendarDate.parseLiteral({ kind: Kind.STRING, value: '2024-02-29' }, undefined)).toBe('2024-02-29');
    expect(() => CalendarDate.parseLiteral({ kind: Kind.STRING, value: '2025-02-29' }, undefined)).toThrow();
  });
});
