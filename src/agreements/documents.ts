import { badInput } from '../shared/errors';
import type { AgreementDocument } from './agreement-document.entity';

/** Where no country or language is named: Partner Center's defaults. */
export const DEFAULT_COUNTRY = 'US';
export const DEFAULT_LANGUAGE = 'en-US';

/** The document fields a rule looks at. */
export type DocumentKey = Pick<AgreementDocument, 'country' | 'language'>;

/** An ISO 3166-1 alpha-2 code, upper case (`DE`). BAD_USER_INPUT otherwise. */
export function requireCountry(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Z]{2}$/.test(value)) {
    throw badInput(field, `must be an ISO 3166-1 alpha-2 country code in upper case (US, DE), got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * A well-formed BCP 47 language tag with an ISO 639 language (2 or 3 letters:
 * `de-DE`, `fil-PH`), returned in its canonical spelling (`en-us` becomes
 * `en-US`), at most 35 characters. BAD_USER_INPUT otherwise.
 */
export function requireLanguage(value: unknown, field: string): string {
  const bad = () => badInput(field, `must be a BCP 47 language tag (en-US, de-DE), got ${JSON.stringify(value)}.`);
  if (typeof value !== 'string' || value.length === 0 || value.length > 35 || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*$/.test(value)) throw bad();
  try {
    return Intl.getCanonicalLocales(value)[0];
  } catch {
    throw bad();
  }
}

const sameLanguage = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * THE rule for which text of a version to show for a country and language:
 * the exact match; else the country's first language (in the version's
 * order); else US/en-US; else the version's first text. Null only when the
 * version has no documents. `documents` are one version's, in their order;
 * `language` null asks for the country's first language.
 */
export function pickDocument<D extends DocumentKey>(documents: readonly D[], country: string, language: string | null): D | null {
  const inCountry = documents.filter((d) => d.country === country);
  return (
    (language === null ? undefined : inCountry.find((d) => sameLanguage(d.language, language))) ??
    inCountry[0] ??
    documents.find((d) => d.country === DEFAULT_COUNTRY && sameLanguage(d.language, DEFAULT_LANGUAGE)) ??
    documents[0] ??
    null
  );
}
