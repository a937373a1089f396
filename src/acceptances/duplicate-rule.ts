import type { Contact } from '../customers/contact';

// The joiners ZWNJ and ZWJ change how a name is drawn, not whom it names.
const JOINERS = /[\u200c\u200d]/g;

const fold = (value: string | null | undefined) => (value ?? '').trim().replace(JOINERS, '').normalize('NFC').toLowerCase();

/**
 * The duplicate rule's comparison (Partner Center 600061): first name, last
 * name, e-mail and phone, trimmed, without ZWNJ and ZWJ, Unicode-NFC, and
 * compared case-insensitively.
 */
export const sameSignatory = (a: Contact, b: Contact): boolean =>
  fold(a.firstName) === fold(b.firstName) &&
  fold(a.lastName) === fold(b.lastName) &&
  fold(a.email) === fold(b.email) &&
  fold(a.phoneNumber) === fold(b.phoneNumber);
