import { decodeCursor, encodeCursor, pageSize } from '../../src/shared/pagination';
import { DomainError } from '../../src/shared/errors';

function refusal(check: () => unknown): Record<string, unknown> | null {
  try {
    check();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.extensions;
    throw error;
  }
}

describe('page size', () => {
  it('takes the fallback when first is not given', () => {
    expect(pageSize(undefined, 50, 500)).toBe(50);
    expect(pageSize(null, 20, 500)).toBe(20);
  });

  it('accepts 1 and the maximum', () => {
    expect(pageSize(1, 50, 500)).toBe(1);
    expect(pageSize(500, 50, 500)).toBe(500);
  });

  it.each([0, -1, 501, 1.5, Number.NaN])('refuses %p with BAD_USER_INPUT naming the argument', (first) => {
    expect(refusal(() => pageSize(first, 50, 500))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('names another argument when told', () => {
    expect(refusal(() => pageSize(0, 50, 500, 'acceptances.first'))).toEqual({ code: 'BAD_USER_INPUT', field: 'acceptances.first' });
  });
});

describe('cursors', () => {
  it('round-trip a sort key', () => {
    const key = ['alpha outdated', 'C-OUT'];
    expect(decodeCursor(encodeCursor(key), ['string', 'string'])).toEqual(key);
    expect(decodeCursor(encodeCursor(['2025-02-01T10:00:00.000Z', 7, 'A-1']), ['instant', 'integer', 'string'])).toEqual([
      '2025-02-01T10:00:00.000Z',
      7,
      'A-1',
    ]);
  });

  it('are opaque URL-safe text', () => {
    const cursor = encodeCursor(['ü/+?', 'x']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['text that is not JSON', Buffer.from('not a cursor').toString('base64url')],
    ['garbage', '!!!'],
    ['an empty string', ''],
    ['JSON that is not an array', Buffer.from('{"a":1}').toString('base64url')],
    ['a key of another length', encodeCursor(['only one part'])],
    ['a key with parts of other types', encodeCursor([1, 'C-1'])],
  ])('refuses %s with BAD_USER_INPUT naming the argument', (_what, cursor) => {
    expect(refusal(() => decodeCursor(cursor, ['string', 'string']))).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  // Found by the hostile-input properties: such parts reached the SQL and failed it (500).
  it.each([
    ['an instant that is not a date', '["garbage",1,"A-1"]'],
    ['an instant in another form', '["2025-02-01",1,"A-1"]'],
    ['a number JSON parses as Infinity', '["2025-02-01T10:00:00.000Z",1e400,"A-1"]'],
    ['a number that is not whole', '["2025-02-01T10:00:00.000Z",1.5,"A-1"]'],
    ['a whole number past exact doubles', '["2025-02-01T10:00:00.000Z",123456789012345678901234567890,"A-1"]'],
  ])('refuses a key with %s', (_what, json) => {
    const cursor = Buffer.from(json).toString('base64url');
    expect(refusal(() => decodeCursor(cursor, ['instant', 'integer', 'string']))).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('refuses a cursor of another list (another shape)', () => {
    const fromHistory = encodeCursor(['2025-02-01T10:00:00.000Z', 7]);
    expect(refusal(() => decodeCursor(fromHistory, ['string', 'string'], 'customers.after'))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'customers.after',
    });
  });
});
