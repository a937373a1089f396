import { validDomain } from '../../src/customers/customer-rules';
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
