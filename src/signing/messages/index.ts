import type { Catalogue, MessageKey } from './catalogue';
import { de } from './de';
import { en } from './en';
import { ko } from './ko';

export type { Catalogue, MessageKey };

/** Every language the signing page and e-mail speak; another language is one more catalogue here. */
export const catalogues: Readonly<Record<string, Catalogue>> = { en, de, ko };

export const FALLBACK_LANGUAGE = 'en';

/** The texts of one language, and the locale its dates are written in. */
export interface Language {
  /** The catalogue's language (`de`), for `<html lang>`. */
  code: string;
  /** The request's own tag when it is of that language (`de-AT`), for formatting dates. */
  locale: string;
  messages: Catalogue;
}

const primarySubtag = (tag: string) => tag.trim().split(/[-_]/)[0].toLowerCase();

/** The language of a BCP 47 tag (`de-DE` → `de`, `ko-KR` → `ko`), English when there is no catalogue for it. */
export function pickLanguage(tag: string | null | undefined): Language {
  const code = tag ? primarySubtag(tag) : '';
  if (!Object.hasOwn(catalogues, code)) return { code: FALLBACK_LANGUAGE, locale: FALLBACK_LANGUAGE, messages: catalogues[FALLBACK_LANGUAGE] };
  return { code, locale: localeOf(tag!.trim().replace(/_/g, '-'), code), messages: catalogues[code] };
}

// Intl refuses a malformed tag; the bare language is always understood.
function localeOf(tag: string, code: string): string {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? code;
  } catch {
    return code;
  }
}

/**
 * The language a browser asks for (Accept-Language), for pages shown before a link is known
 * (an invalid link, too many tries): the first one with a catalogue by preference, else English.
 */
export function languageFromAcceptLanguage(header: string | undefined): Language {
  const wanted = (header ?? '')
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
      return { tag: tag.trim(), q: q ? Number(q[1]) : 1, index };
    })
    .filter((entry) => entry.tag !== '' && entry.tag !== '*' && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const known = wanted.find((entry) => Object.hasOwn(catalogues, primarySubtag(entry.tag)));
  return pickLanguage(known?.tag);
}

/** A text with its `{placeholders}` filled in, as plain text. */
export const fillText = (template: string, values: Readonly<Record<string, string>>): string =>
  template.replace(/\{(\w+)\}/g, (match, name: string) => (Object.hasOwn(values, name) ? values[name] : match));

/** The placeholders a text uses (`{partner}`), sorted: every catalogue must use the same ones per key. */
export const placeholdersOf = (template: string): string[] => [...new Set(template.match(/\{\w+\}/g) ?? [])].sort();

const HANGUL = /^[\p{Script=Hangul}\s]+$/u;

/** A person's name as the language writes it: family name first, without a space, for a Korean name in Korean. */
export function personName(language: Language, person: { firstName: string; lastName: string }): string {
  const first = person.firstName.trim();
  const last = person.lastName.trim();
  if (language.code === 'ko' && HANGUL.test(first) && HANGUL.test(last)) return `${last}${first}`;
  return `${first} ${last}`;
}
