import { type ContactInput, validContact } from '../../src/customers/contact';
import { DomainError } from '../../src/shared/errors';

const PATH = 'input.acceptedBy';

const input = (overrides: Partial<ContactInput> = {}): ContactInput => ({
  firstName: 'Tania',
  lastName: 'Carr',
  email: 'tania@wingtiptoys.example',
  phoneNumber: '+1 (425) 555-0100',
  ...overrides,
});

/** The field a refusal names (BAD_USER_INPUT), or null when the contact is valid. */
function refusedField(overrides: Partial<ContactInput>): string | null {
  try {
    validContact(input(overrides), PATH);
    return null;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain(String(error.extensions.field));
    return error.extensions.field as string;
  }
}

const EMOJI = '\u{1F600}';

describe('a contact', () => {
  it('is stored trimmed', () => {
    expect(validContact(input({ firstName: '  Tania ', lastName: ' Carr', email: ' tania@wingtiptoys.example ', phoneNumber: ' 123 ' }), PATH)).toEqual({
      firstName: 'Tania',
      lastName: 'Carr',
      email: 'tania@wingtiptoys.example',
      phoneNumber: '123',
    });
  });

  describe('names', () => {
    it.each(['firstName', 'lastName'] as const)('%s must not be empty after trimming', (field) => {
      expect(refusedField({ [field]: '' })).toBe(`${PATH}.${field}`);
      expect(refusedField({ [field]: '   ' })).toBe(`${PATH}.${field}`);
    });

    it.each(['firstName', 'lastName'] as const)('%s may have 100 characters and not 101', (field) => {
      expect(refusedField({ [field]: 'a'.repeat(100) })).toBeNull();
      expect(refusedField({ [field]: 'a'.repeat(101) })).toBe(`${PATH}.${field}`);
    });

    it('counts characters, not UTF-16 units: 100 emoji are fine, 101 are not', () => {
      expect(EMOJI.repeat(100)).toHaveLength(200);
      expect(refusedField({ firstName: EMOJI.repeat(100) })).toBeNull();
      expect(refusedField({ firstName: EMOJI.repeat(101) })).toBe(`${PATH}.firstName`);
    });

    it('counts the length after trimming', () => {
      expect(refusedField({ lastName: `  ${'a'.repeat(100)}  ` })).toBeNull();
    });

    it.each([
      ['a NUL', 'Ta\u0000nia'],
      ['a tab inside', 'Ta\tnia'],
      ['a line feed inside', 'Ta\nnia'],
      ['DEL', 'Tania\u007f'],
      ['a C1 control', 'Ta\u0085nia'],
    ])('refuses %s', (_what, name) => {
      expect(refusedField({ firstName: name })).toBe(`${PATH}.firstName`);
    });

    it.each([
      ['a zero-width space at the end', 'José\u200b'],
      ['a zero-width space inside', 'Jo\u200bsé'],
      ['a right-to-left override', '\u202eevil'],
      ['a left-to-right isolate', 'Tania\u2066Carr\u2069'],
      ['a word joiner', 'Ta\u2060nia'],
      ['a soft hyphen', 'Ta\u00adnia'],
      ['a byte order mark inside', 'Ta\ufeffnia'],
      ['an Arabic letter mark', 'Ta\u061cnia'],
      ['a tag character', 'Tania\u{e0041}'],
    ])('refuses %s', (_what, name) => {
      expect(refusedField({ firstName: name })).toBe(`${PATH}.firstName`);
      expect(refusedField({ lastName: name })).toBe(`${PATH}.lastName`);
    });

    it('accepts the joiners ZWNJ and ZWJ, which scripts and emoji need', () => {
      expect(refusedField({ firstName: 'می\u200cخواهم', lastName: 'Jo\u200dsé' })).toBeNull();
      expect(refusedField({ firstName: '\u{1F469}\u200d\u{1F469}\u200d\u{1F467}' })).toBeNull();
    });

    it('refuses text that is not well-formed Unicode (a lone surrogate)', () => {
      expect(refusedField({ lastName: 'Carr\uD800' })).toBe(`${PATH}.lastName`);
    });

    it('accepts letters of any script', () => {
      expect(refusedField({ firstName: 'Zoë', lastName: '王' })).toBeNull();
    });
  });

  describe('e-mail', () => {
    it.each(['not-an-email', 'tania@', '@wingtiptoys.example', 'tania@localhost', 'tania carr@wingtiptoys.example', 'tania@wingtip_toys.example'])(
      'refuses %j',
      (email) => {
        expect(refusedField({ email })).toBe(`${PATH}.email`);
      },
    );

    it('is required', () => {
      expect(refusedField({ email: '' })).toBe(`${PATH}.email`);
      expect(refusedField({ email: undefined as unknown as string })).toBe(`${PATH}.email`);
    });

    it('may have 254 characters and not 255', () => {
      const domain = '@wingtiptoys.example';
      const of = (length: number) => `${'a'.repeat(length - domain.length)}${domain}`;
      expect(of(254)).toHaveLength(254);
      expect(refusedField({ email: of(254) })).toBeNull();
      expect(refusedField({ email: of(255) })).toBe(`${PATH}.email`);
    });

    it('accepts plus addressing and subdomains', () => {
      expect(refusedField({ email: 'tania.carr+mca@mail.wingtip-toys.example' })).toBeNull();
    });
  });

  describe('phone', () => {
    it('is optional: absent, null, empty or blank is stored as none', () => {
      for (const phoneNumber of [undefined, null, '', '   ']) {
        expect(validContact(input({ phoneNumber }), PATH).phoneNumber).toBeNull();
      }
    });

    it('allows digits, spaces and + - ( ) .', () => {
      expect(refusedField({ phoneNumber: '+1 (425) 555-0100.12' })).toBeNull();
    });

    it.each(['425-555-CALL', '+1 425 555 0100 ext 5', '425/555/0100', '+()-.', '12\u0000'])('refuses %j', (phoneNumber) => {
      expect(refusedField({ phoneNumber })).toBe(`${PATH}.phoneNumber`);
    });

    it('may have 32 characters and not 33', () => {
      expect(refusedField({ phoneNumber: '1'.repeat(32) })).toBeNull();
      expect(refusedField({ phoneNumber: '1'.repeat(33) })).toBe(`${PATH}.phoneNumber`);
    });
  });

  it('refuses an invisible character in the e-mail and the phone, naming the field', () => {
    expect(refusedField({ email: 'tania@wingtiptoys.example\u200b' })).toBe(`${PATH}.email`);
    expect(refusedField({ phoneNumber: '+1 425\u200e 555 0100' })).toBe(`${PATH}.phoneNumber`);
  });

  it('names the path it was given', () => {
    expect(() => validContact(input({ email: 'nope' }), 'customers[3].primaryContact')).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'customers[3].primaryContact.email' } }),
    );
  });
});
