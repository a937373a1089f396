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

// ---- outcomes written out by hand, per input ----
//
// No rule of the code is repeated here: each table lists inputs and what the
// README's rules make of them (the value stored, or a refusal), worked out by
// hand. A property test sends these among random values; where it sent one of
// them, the answer must be the one written here. A random value it cannot judge
// so is held only to what any rule must give: the stored text is part of what
// was sent.

/** Inputs of one field and their outcomes: `[sent, stored]` for the accepted, and the refused. */
export interface FieldCases {
  accepted: readonly (readonly [sent: string | null | undefined, stored: string | null])[];
  refused: readonly unknown[];
}

const HUNDRED = 'a'.repeat(100);
const HUNDRED_EMOJI = '😀'.repeat(100);
const MAIL_254 = `${'m'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'x'.repeat(61)}`;
const MAIL_255 = `${'m'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'x'.repeat(62)}`;

/** A first or last name: 1..100 characters once trimmed; no control, invisible or direction-changing character. */
export const NAME_CASES: FieldCases = {
  accepted: [
    ['Tania', 'Tania'],
    ['  Tania ', 'Tania'],
    ['\u00a0Zoë\u3000', 'Zoë'],
    ['Jean-Luc\t', 'Jean-Luc'],
    ['\u2003Ng', 'Ng'],
    ["O'Brien", "O'Brien"],
    ['Mary Ann', 'Mary Ann'],
    ["' OR 1=1 --", "' OR 1=1 --"],
    ['Robert\'); DROP TABLE partner_customers;--', 'Robert\'); DROP TABLE partner_customers;--'],
    ['%_%', '%_%'],
    ['\\', '\\'],
    ['<script>alert(1)</script>', '<script>alert(1)</script>'],
    ['=HYPERLINK("http://evil.example","x")', '=HYPERLINK("http://evil.example","x")'],
    ['{{7*7}}', '{{7*7}}'],
    ['Jose\u0301', 'Jose\u0301'],
    ['José', 'José'],
    ['😀', '😀'],
    ['👩‍👩‍👧 Family', '👩‍👩‍👧 Family'],
    ['می\u200cخواهم', 'می\u200cخواهم'],
    ['🇫🇷', '🇫🇷'],
    ['𝔘𝔫𝔦', '𝔘𝔫𝔦'],
    ['İSTANBUL', 'İSTANBUL'],
    ['ΟΔΥΣΣΕΥΣ', 'ΟΔΥΣΣΕΥΣ'],
    ['ß', 'ß'],
    ['\u212a', '\u212a'],
    ['李小龍', '李小龍'],
    ['a', 'a'],
    [HUNDRED, HUNDRED],
    [` ${HUNDRED} `, HUNDRED],
    [HUNDRED_EMOJI, HUNDRED_EMOJI],
  ],
  refused: [
    '',
    ' ',
    '\u00a0\u3000',
    null,
    `${HUNDRED}a`,
    `${HUNDRED_EMOJI}😀`,
    'Ta\u200bnia',
    'Ta\u202enia',
    'Ta\u2066nia\u2069',
    'Ta\u2060nia',
    'Ta\u00adnia',
    'Ta\u061cnia',
    'Ta\u{e0041}nia',
    'Ta\u0000nia',
    'Ta\nnia',
    'Ta\tnia',
    'Ta\u007fnia',
    'Ta\u0085nia',
    'Ta\ud800nia',
    '\udc00',
  ],
};

/** A company name: as a name, up to 200 characters. */
export const COMPANY_NAME_CASES: FieldCases = {
  accepted: [
    ['Contoso, Ltd.', 'Contoso, Ltd.'],
    ['  Wingtip Toys ', 'Wingtip Toys'],
    ['The "Best" Co', 'The "Best" Co'],
    ["'; DROP TABLE customers; --", "'; DROP TABLE customers; --"],
    ['%', '%'],
    ['_', '_'],
    ['+44 Traders', '+44 Traders'],
    ['"><img src=x onerror=alert(1)>', '"><img src=x onerror=alert(1)>'],
    ['Zoë & Søn 😀', 'Zoë & Søn 😀'],
    ['\u3000株式会社\u3000', '株式会社'],
    ['b'.repeat(200), 'b'.repeat(200)],
  ],
  refused: ['', '   ', 'b'.repeat(201), 'Con\u200btoso', 'Con\u202etoso', 'Con\ntoso', 'Con\u0000toso', null],
};

/** An e-mail address: the HTML form grammar with a dotted domain, at most 254 characters once trimmed. */
export const EMAIL_CASES: FieldCases = {
  accepted: [
    ['tania@wingtiptoys.example', 'tania@wingtiptoys.example'],
    [' tania@wingtiptoys.example ', 'tania@wingtiptoys.example'],
    ['Tania.Carr@WingtipToys.Example', 'Tania.Carr@WingtipToys.Example'],
    ["o'brien+tag@mail.example.org", "o'brien+tag@mail.example.org"],
    ["a.b!#$%&'*+/=?^_`{|}~-@x-y.example", "a.b!#$%&'*+/=?^_`{|}~-@x-y.example"],
    ['a@b.c', 'a@b.c'],
    ['1@2.3', '1@2.3'],
    ['%@x.example', '%@x.example'],
    [`${'l'.repeat(64)}@${'d'.repeat(63)}.example`, `${'l'.repeat(64)}@${'d'.repeat(63)}.example`],
    [MAIL_254, MAIL_254],
  ],
  refused: [
    '',
    ' ',
    'nope',
    'tania@wingtiptoys',
    'tania@@wingtiptoys.example',
    '@wingtiptoys.example',
    'tania@',
    'tania wingtip@toys.example',
    'tania@-toys.example',
    'tania@toys-.example',
    'tania@toys..example',
    'tania@.toys.example',
    'tania@toys.example.',
    `tania@${'d'.repeat(64)}.example`,
    'tänia@toys.example',
    'tania@tö ys.example',
    'tania@töys.example',
    '"tania"@toys.example',
    'tania@toys.example\u200b',
    'tania@toys.example\n.evil',
    "' OR 1=1 --",
    MAIL_255,
    null,
  ],
};

/** A phone number: optional; digits, spaces and + - ( ) . with at least one digit, at most 32 characters once trimmed. */
export const PHONE_CASES: FieldCases = {
  accepted: [
    [null, null],
    [undefined, null],
    ['', null],
    ['   ', null],
    ['+1 (425) 555-0100', '+1 (425) 555-0100'],
    [' 123 ', '123'],
    ['0', '0'],
    ['1.2.3', '1.2.3'],
    ['(0)', '(0)'],
    ['+-().9', '+-().9'],
    [`+${'1'.repeat(31)}`, `+${'1'.repeat(31)}`],
  ],
  refused: ['abc', '+1 425 CALL NOW', '()', '+-', ' . ', '1'.repeat(33), '١٢٣', '123;', '123#', '12\n34', '12\u200b34', "' OR 1=1 --"],
};

/** Every input of the table, accepted or not. */
export const inputsOf = (cases: FieldCases): unknown[] => [...cases.accepted.map(([sent]) => sent), ...cases.refused];

/** What a field of a request that was taken must have stored, if `sent` is in the table: the value, `'refused'`, or `undefined` (not in it). */
export function outcomeOf(cases: FieldCases, sent: unknown): { stored: string | null } | 'refused' | undefined {
  const accepted = cases.accepted.find(([input]) => input === sent);
  if (accepted) return { stored: accepted[1] };
  return cases.refused.some((input) => input === sent) ? 'refused' : undefined;
}

/**
 * Why `stored` cannot be what a request that was taken made of `sent`, or null when it can:
 * a value of the table must be stored as written there, and one the table refuses never;
 * any other value is stored as part of what was sent (or, for an optional field, as none).
 */
export function storedProblem(cases: FieldCases, sent: unknown, stored: unknown, optional = false): string | null {
  const outcome = outcomeOf(cases, sent);
  if (outcome === 'refused') return `${JSON.stringify(sent)} is refused, yet the request was taken (stored ${JSON.stringify(stored)})`;
  if (outcome) return outcome.stored === stored ? null : `${JSON.stringify(sent)} should be stored as ${JSON.stringify(outcome.stored)}, not ${JSON.stringify(stored)}`;
  if (optional && stored === null) return null;
  const part = typeof sent === 'string' && typeof stored === 'string' && stored !== '' && sent.includes(stored);
  return part ? null : `${JSON.stringify(stored)} is not part of what was sent (${JSON.stringify(sent)})`;
}

export type ContactSent = { firstName: string; lastName: string; email: string; phoneNumber?: string | null };
export type ContactStored = { firstName: string; lastName: string; email: string; phoneNumber: string | null };

/** What cannot be right in a contact a taken request stored from what was sent; empty when nothing. */
export function contactProblems(sent: unknown, stored: ContactStored): string[] {
  const fields = (typeof sent === 'object' && sent !== null ? sent : {}) as Record<string, unknown>;
  return [
    storedProblem(NAME_CASES, fields.firstName, stored.firstName),
    storedProblem(NAME_CASES, fields.lastName, stored.lastName),
    storedProblem(EMAIL_CASES, fields.email, stored.email),
    storedProblem(PHONE_CASES, fields.phoneNumber, stored.phoneNumber ?? null, true),
  ].filter((problem): problem is string => problem !== null);
}

const acceptedInput = (cases: FieldCases) => fc.constantFrom(...cases.accepted.map(([sent]) => sent));

/** A name, company name or e-mail the rules accept, from the tables. */
export const validName = acceptedInput(NAME_CASES) as fc.Arbitrary<string>;
export const validCompanyName = acceptedInput(COMPANY_NAME_CASES) as fc.Arbitrary<string>;
export const validEmail = acceptedInput(EMAIL_CASES) as fc.Arbitrary<string>;
export const validPhone = acceptedInput(PHONE_CASES);

/** Any input of a table: accepted or refused. */
export const tableInput = (cases: FieldCases): fc.Arbitrary<unknown> => fc.constantFrom(...inputsOf(cases));

/** A contact the rules accept, and, written out in the tables, how it is stored. */
export const validContact: fc.Arbitrary<{ sent: ContactSent; stored: ContactStored }> = fc
  .tuple(fc.constantFrom(...NAME_CASES.accepted), fc.constantFrom(...NAME_CASES.accepted), fc.constantFrom(...EMAIL_CASES.accepted), fc.constantFrom(...PHONE_CASES.accepted))
  .map(([first, last, email, phone]) => ({
    sent: { firstName: first[0]!, lastName: last[0]!, email: email[0]!, ...(phone[0] === undefined ? {} : { phoneNumber: phone[0] }) },
    stored: { firstName: first[1]!, lastName: last[1]!, email: email[1]!, phoneNumber: phone[1] },
  }));

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
