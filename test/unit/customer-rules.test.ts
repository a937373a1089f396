import { validCompanyName, validDomain } from '../../src/customers/customer-rules';
import { DomainError } from '../../src/shared/errors';

const refused = (value: unknown) => {
  try {
    validDomain(value, 'input.domain');
    return null;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return error.extensions;
  }
};

describe('a domain', () => {
  it('is stored trimmed and lower-cased', () => {
    expect(validDomain(' Contoso.OnMicrosoft.COM ', 'input.domain')).toBe('contoso.onmicrosoft.com');
  });

  it.each([
    ['the Kelvin sign, which lower-cases to k', '\u212aontoso.com'],
    ['a long s, which upper-cases to S', 'contoso.\u017fite'],
    ['a dotted capital I, which lower-cases to i and a combining dot', 'f\u0130rm.com'],
    ['a fullwidth letter', 'ｃontoso.com'],
    ['a no-break space inside', 'contoso\u00a0ltd.com'],
  ])('refuses %s', (_what, domain) => {
    expect(refused(domain)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.domain' });
  });
});

describe('a company name', () => {
  const refusedName = (value: string) => {
    try {
      return validCompanyName(value, 'input.companyName') && null;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return error.extensions;
    }
  };

  it.each([
    ['a zero-width space', 'Contoso\u200b'],
    ['a right-to-left override', '\u202eCorp'],
    ['a byte order mark inside', 'Con\ufefftoso'],
  ])('refuses %s', (_what, name) => {
    expect(refusedName(name)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.companyName' });
  });

  it('accepts ZWNJ and ZWJ', () => {
    expect(refusedName('شرکت\u200cها')).toBeNull();
    expect(refusedName('Wingtip \u{1F3F3}\u{FE0F}\u200d\u{1F308}')).toBeNull();
  });
});
