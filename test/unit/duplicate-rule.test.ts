import { sameSignatory } from '../../src/acceptances/duplicate-rule';
import type { Contact } from '../../src/customers/contact';

const contact = (overrides: Partial<Contact> = {}): Contact => ({
  firstName: 'Tania',
  lastName: 'Carr',
  email: 'tania@wingtiptoys.example',
  phoneNumber: '+1 425 555 0100',
  ...overrides,
});

describe('the duplicate rule (same signatory)', () => {
  it('finds the same contact the same signatory', () => {
    expect(sameSignatory(contact(), contact())).toBe(true);
  });

  it('ignores case and surrounding spaces in every field', () => {
    const shouted = contact({ firstName: '  TANIA ', lastName: 'carr\t', email: ' Tania@WingtipToys.EXAMPLE ', phoneNumber: ' +1 425 555 0100 ' });
    expect(sameSignatory(contact(), shouted)).toBe(true);
    expect(sameSignatory(shouted, contact())).toBe(true);
  });

  it('treats composed and decomposed accents as the same name', () => {
    expect(sameSignatory(contact({ firstName: 'Jos\u00e9' }), contact({ firstName: 'Jose\u0301' }))).toBe(true);
  });

  it('ignores the joiners ZWJ and ZWNJ', () => {
    expect(sameSignatory(contact({ firstName: 'José' }), contact({ firstName: 'Jo\u200dsé' }))).toBe(true);
    expect(sameSignatory(contact({ lastName: 'Ca\u200crr' }), contact())).toBe(true);
  });

  it.each([
    ['first name', { firstName: 'Tanya' }],
    ['last name', { lastName: 'Kerr' }],
    ['e-mail', { email: 'tania.carr@wingtiptoys.example' }],
    ['phone', { phoneNumber: '+1 425 555 0101' }],
  ])('finds a different %s a different signatory', (_field, change) => {
    expect(sameSignatory(contact(), contact(change))).toBe(false);
  });

  it('finds a phone against no phone a different signatory', () => {
    expect(sameSignatory(contact(), contact({ phoneNumber: null }))).toBe(false);
  });

  it('finds no phone and an empty phone equal', () => {
    expect(sameSignatory(contact({ phoneNumber: null }), contact({ phoneNumber: '' }))).toBe(true);
    expect(sameSignatory(contact({ phoneNumber: '   ' }), contact({ phoneNumber: null }))).toBe(true);
  });
});
