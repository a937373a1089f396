import { badInput } from '../shared/errors';
import { requireText, requireVisibleText } from '../shared/validation';

// Case-insensitive without the u flag: no character outside ASCII folds onto an ASCII letter.
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * A customer's domain name, lower-cased (domain names ignore case): BAD_USER_INPUT when not one.
 * Checked as sent, so that a character that only lower-cases to ASCII (the Kelvin sign K) is refused.
 */
export function validDomain(value: unknown, field: string): string {
  const domain = requireText(value, field, 253);
  if (!DOMAIN.test(domain)) throw badInput(field, 'is not a domain name (like contoso.onmicrosoft.com).');
  return domain.toLowerCase();
}

/** A company name: 1..200 characters after trimming, nothing invisible or direction-changing. */
export const validCompanyName = (value: unknown, field: string) => requireVisibleText(value, field, 200);
