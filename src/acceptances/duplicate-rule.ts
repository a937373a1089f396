import type { Contact } from '../customers/contact';

const fold = (value: string | null | undefined) => (value ?? '').trim().normalize('NFC').toLowerCase();

/**
 * The duplicate rule's comparison (Partner Center 600061): first name, last
 * name, e-mail and phone, trimmed and compared case-insensitively.
 */
export const sameSignatory = (a: Contact, b: Contact): boolean =>
  fold(a.firstName) === fold(b.firstName) &&
  fold(a.lastName) === fold(b.lastName) &&
  fold(a.email) === fold(b.email) &&
  fold(a.phoneNumber) === fold(b.phoneNumber);
