import fc from 'fast-check';

/**
 * Arbitraries for hostile input: random and adversarial values for every kind
 * of field, and valid values (as the rules define them) for round trips.
 */

/** SQL fragments: quotes, comments, statement ends, LIKE wildcards and escapes. */
export const SQL_FRAGMENTS = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '"; DROP TABLE acceptances; --',
  "'; DROP TABLE customers; --",
  "Robert'); DROP TABLE partner_customers;--",
  "1' UNION SELECT id, name FROM partners --",
  '\\',
  "\\'",
  '%',
  '_',
  '%_%',
  '!',
  '!%',
  '[a-z]',
  '`',
  '?',
  '$1',
  '/* */',
  '-- ',
  ';',
  'NULL',
  "0x27",
  'SLEEP(10)',
  "' AND SLEEP(10) --",
];

/** Script, template and spreadsheet-formula fragments. */
export const SCRIPT_FRAGMENTS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${7*7}',
  '=HYPERLINK("http://evil.example","x")',
  '+1+1',
  '@SUM(A1)',
  '__proto__',
  'constructor',
  '{"$ne":null}',
  '../../etc/passwd',
];

/** Invisible and direction-changing characters (Unicode Cf): no name, e-mail, phone or company name may hold one. */
export const INVISIBLE_CHARACTERS = ['\u200b', '\ufeff', '\u202e', '\u2066', '\u2069', '\u200e', '\u2060', '\u00ad', '\u061c', '\u{e0041}'];

/** Characters that trip text handling but a name may hold: spaces, joiners, combining, 4-byte, case-changing, line separators. */
export const PRINTABLE_TRICKY_CHARACTERS = [
  ' ',
  '\u00a0',
  '\u200c',
  '\u200d',
  '\u2028',
  '\u2029',
  '\u3000',
  '\u0301',
  'e\u0301',
  '\u00e9',
  '😀',
  '👩‍👩‍👧',
  '🇫🇷',
  '𝔘𝔫𝔦',
  'İ',
  'ß',
  'ﬃ',
  'Σ',
  'ΟΔΥΣΣΕΥΣ',
  '\u212a',
  '\ufffd',
  '\uffff',
  '\u{10ffff}',
];

/** Characters that trip text handling: invisible, bidi, combining, 4-byte, case-changing, line separators. */
export const TRICKY_CHARACTERS = [...PRINTABLE_TRICKY_CHARACTERS, ...INVISIBLE_CHARACTERS];

const controlCharacter = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((c) => String.fromCharCode(c));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

const piece = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
  fc.constantFrom(...SQL_FRAGMENTS, ...SCRIPT_FRAGMENTS),
  fc.constantFrom(...TRICKY_CHARACTERS),
  controlCharacter,
  loneSurrogate,
);

/** Long text: past every column's length, up to 70,000 characters (1 MB only where a test asks for it). */
const longString = fc
  .tuple(fc.constantFrom(33, 101, 129, 201, 255, 256, 1_001, 70_000), fc.constantFrom('a', 'é', '😀', "'", '%', ' ', '\u0000'))
  .map(([length, unit]) => unit.repeat(length));

/** Any text: mostly short compositions of the pieces above, sometimes very long. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.array(piece, { maxLength: 5 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: longString },
);

/** Numbers where a count or page size is expected: huge, negative, fractional, not finite. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1, 100_000, 100_001, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, 0.5, 5e-324),
);

/** Text that looks like a number, or does not quite. */
export const numericString = fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e309', '0x10', '1_000', ' 5 ', '5.0', '5', '', '-0', '١٢٣', '1e3');

/** A value of any JSON type: what a hostile client puts where a string, number or object is expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: numericString },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Mostly the valid arbitrary, else anything hostile: so that validation past the first field gets exercised too. */
export const validOrHostile = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: hostileValue });

/** A record whose keys may be missing, plus, sometimes, keys nobody asked for. */
export const looseRecord = (model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(fc.record(model, { requiredKeys: [] }), fc.option(fc.dictionary(hostileString, hostileValue, { maxKeys: 2 }), { nil: undefined }))
    .map(([known, extra]) => ({ ...extra, ...known }));

// ---- valid values (the contact, customer and id rules of the README) ----

/**
 * What a line of text may be made of: letters, marks, numbers, punctuation, symbols, separators,
 * unassigned and private-use code points, and the joiners ZWNJ and ZWJ. The rule says what it may
 * not hold (control and format characters); the oracle says what it may, so that the two meet
 * from opposite sides.
 */
const PRINTABLE = /^(?:[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Z}\p{Co}\p{Cn}]|\u200c|\u200d)*$/u;

/** Code points, as the rules count characters. */
export const characters = (text: string) => [...text].length;

const composedText: fc.Arbitrary<string> =
  fc
    .tuple(
      fc.constantFrom('', ' ', '  ', '\u00a0', '\u3000'),
      fc.array(
        fc.oneof(
          { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }) },
          { weight: 1, arbitrary: fc.constantFrom(...SQL_FRAGMENTS, ...SCRIPT_FRAGMENTS) },
          { weight: 1, arbitrary: fc.constantFrom(...PRINTABLE_TRICKY_CHARACTERS) },
        ),
        { minLength: 1, maxLength: 6 },
      ),
      fc.constantFrom('', ' ', '\t', '\u2003'),
    )
    .map(([before, parts, after]) => `${before}${parts.join('')}${after}`);

/**
 * Printable text, 1..max characters once trimmed, including SQL and script fragments, emoji and combining marks.
 * Printable by construction: fast-check's grapheme units stand alone, so they hold no control or format character.
 */
export const validText = (max: number): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 6, arbitrary: composedText },
      // At the limit: single code point graphemes, so that the count is the length.
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme-composite', minLength: max - 1, maxLength: max }) },
    )
    .filter((text) => {
      const trimmed = text.trim();
      return trimmed !== '' && text.isWellFormed() && characters(trimmed) <= max;
    });

const label = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?$/);

/** An address in the HTML e-mail grammar with a dotted domain, with quotes, percent signs and the like in the local part. */
export const validEmail: fc.Arbitrary<string> = fc
  .tuple(
    fc.stringMatching(/^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,24}$/),
    fc.array(label, { minLength: 2, maxLength: 3 }),
    fc.constantFrom('', ' '),
  )
  .map(([local, labels, pad]) => `${pad}${local}@${labels.join('.')}${pad}`);

/** A phone number of the allowed alphabet with at least one digit, or none at all (null, absent, blank). */
export const validPhone: fc.Arbitrary<string | null | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^ ?[0-9 +\-().]{0,16}[0-9][0-9 +\-().]{0,12} ?$/) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, '', '   ') },
);

export const validContact = fc.record(
  { firstName: validText(100), lastName: validText(100), email: validEmail, phoneNumber: validPhone },
  { requiredKeys: ['firstName', 'lastName', 'email'] },
);

export type ContactSent = { firstName: string; lastName: string; email: string; phoneNumber?: string | null };

/** The contact as the rules store it: trimmed, a blank or missing phone as none. */
export const storedContact = (sent: ContactSent) => ({
  firstName: sent.firstName.trim(),
  lastName: sent.lastName.trim(),
  email: sent.email.trim(),
  phoneNumber: sent.phoneNumber?.trim() ? sent.phoneNumber.trim() : null,
});

/** Whether a value sent as a contact is one the rules accept (strings of the right shapes). */
export function isValidContact(value: unknown): value is ContactSent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const c = value as Record<string, unknown>;
  const text = (v: unknown, max: number) =>
    typeof v === 'string' && v.isWellFormed() && v.trim() !== '' && PRINTABLE.test(v.trim()) && characters(v.trim()) <= max;
  const email = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
  const phone = c.phoneNumber;
  const phoneOk =
    phone === null ||
    phone === undefined ||
    (typeof phone === 'string' &&
      (phone.trim() === '' || (text(phone, 32) && /^[0-9 +\-().]*[0-9][0-9 +\-().]*$/.test(phone.trim()))));
  return text(c.firstName, 100) && text(c.lastName, 100) && text(c.email, 254) && email.test((c.email as string).trim()) && phoneOk;
}

/** A calendar date from `min` to `max` (YYYY-MM-DD). */
export const dateBetween = (min: string, max: string): fc.Arbitrary<string> =>
  fc
    .integer({ min: Date.parse(`${min}T00:00:00Z`) / 86_400_000, max: Date.parse(`${max}T00:00:00Z`) / 86_400_000 })
    .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10));

/** A header value fetch can send: printable Latin-1, with spaces and tabs inside. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({
    unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }), fc.constant(0x09)).map((c) => String.fromCharCode(c)),
    maxLength: 300,
  }),
  fc.constantFrom(...SQL_FRAGMENTS, ...SCRIPT_FRAGMENTS),
  fc.constantFrom('a'.repeat(128), 'a'.repeat(129), 'a'.repeat(255), 'a'.repeat(256), 'x'.repeat(4_000), '', ' ', '-', '.', ':::'),
);

/** A cursor made the way the API makes them (base64url of a JSON array), holding anything. */
export const craftedCursor: fc.Arbitrary<string> = fc
  .oneof(
    fc.tuple(hostileString, hostileString).map((parts) => JSON.stringify(parts)),
    fc.tuple(hostileString, fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), hostileString).map((parts) => JSON.stringify(parts)),
    fc.tuple(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.integer(), hostileString).map((parts) => JSON.stringify(parts)),
    fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
    // Numbers JSON can write but not hold: they parse as Infinity or lose precision.
    fc.constantFrom(
      '["2026-01-01T00:00:00.000Z",1e400,"x"]',
      '["2026-01-01T00:00:00.000Z",-1e400,"x"]',
      '["2026-01-01T00:00:00.000Z",123456789012345678901234567890,"x"]',
      '["a",1e400]',
      '["",""]',
    ),
  )
  .map((json) => Buffer.from(json).toString('base64url'));
