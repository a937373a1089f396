import { badInput } from './errors';

// Control characters (Unicode Cc: C0, DEL, C1); tab, line feed and the like have no place in a name or an id.
const CONTROL = /\p{Cc}/u;
// Format characters (Unicode Cf): invisible (zero-width space, word joiner) or direction-changing (U+202E).
// The joiners ZWNJ and ZWJ stay: some scripts and emoji sequences need them.
const INVISIBLE = /(?![\u200c\u200d])\p{Cf}/u;

/**
 * Why `text` is not a line of text of at most `max` characters (code points):
 * not well-formed Unicode, a control character, too long; null when it is one.
 */
export function textProblem(text: string, max: number): string | null {
  if (!text.isWellFormed()) return 'is not valid Unicode text.';
  if (CONTROL.test(text)) return 'must not contain control characters.';
  const length = [...text].length;
  if (length > max) return `must be at most ${max} characters (got ${length}).`;
  return null;
}

/**
 * A required line of text: trimmed, 1..max characters (code points), well-formed
 * Unicode, no control characters. Returns the trimmed text.
 */
export function requireText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw badInput(field, 'is required.');
  const text = value.trim();
  if (text === '') throw badInput(field, 'must not be empty.');
  const problem = textProblem(text, max);
  if (problem) throw badInput(field, problem);
  return text;
}

/**
 * Text a person reads as written: a name, an e-mail address, a phone number, a
 * company name. As `requireText`, and no invisible or direction-changing
 * character (Unicode Cf but ZWNJ and ZWJ), so that two records that look alike
 * are alike and none shows other than it reads.
 */
export function requireVisibleText(value: unknown, field: string, max: number): string {
  const text = requireText(value, field, max);
  if (INVISIBLE.test(text)) throw badInput(field, 'must not contain invisible or direction-changing characters.');
  return text;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Whether `value` is a well-formed identifier: 1..64 of letters, digits and . _ : - (GUIDs, offer ids). */
export const isId = (value: unknown): value is string => typeof value === 'string' && ID.test(value);

/** An identifier (see `isId`), else BAD_USER_INPUT naming the field. */
export function requireId(value: unknown, field: string): string {
  if (!isId(value)) {
    throw badInput(field, 'is not a valid id (1..64 letters, digits, . _ : -).');
  }
  return value;
}
