import { catalogues, fillText, FALLBACK_LANGUAGE, languageFromAcceptLanguage, personName, pickLanguage, placeholdersOf } from '../../src/signing/messages';
import type { MessageKey } from '../../src/signing/messages/catalogue';

const english = catalogues[FALLBACK_LANGUAGE];
const keys = Object.keys(english) as MessageKey[];

describe('the signing texts', () => {
  it('are in English, German and Korean at least', () => {
    expect(Object.keys(catalogues).sort()).toEqual(expect.arrayContaining(['de', 'en', 'ko']));
  });

  describe.each(Object.keys(catalogues))('the %s catalogue', (code) => {
    const catalogue = catalogues[code];

    it('fills every key, and only those, with text', () => {
      expect(Object.keys(catalogue).sort()).toEqual([...keys].sort());
      for (const key of keys) expect(catalogue[key].trim()).not.toBe('');
    });

    it('names the same values as English in every text', () => {
      for (const key of keys) expect([key, placeholdersOf(catalogue[key])]).toEqual([key, placeholdersOf(english[key])]);
    });

    it('is its own language, not a copy of English (most texts differ)', () => {
      if (code === FALLBACK_LANGUAGE) return;
      const same = keys.filter((key) => catalogue[key] === english[key]);
      expect(same.length).toBeLessThan(keys.length / 10);
    });
  });

  it('Korean texts are written in Hangul, German ones with German words', () => {
    expect(catalogues.ko.acceptButton).toMatch(/\p{Script=Hangul}/u);
    expect(catalogues.ko.invalidTitle).toBe('유효하지 않은 링크입니다');
    expect(catalogues.de.invalidTitle).toBe('Dieser Link ist nicht gültig');
    expect(catalogues.de.acceptCheckbox).toContain('gelesen');
  });
});

describe('the language of a request', () => {
  it.each([
    ['de-DE', 'de', 'de-DE'],
    ['de-AT', 'de', 'de-AT'],
    ['ko-KR', 'ko', 'ko-KR'],
    ['ko', 'ko', 'ko'],
    ['en-GB', 'en', 'en-GB'],
    ['DE_de', 'de', 'de-DE'],
  ])('%s speaks %s, with dates as %s writes them', (tag, code, locale) => {
    expect(pickLanguage(tag)).toMatchObject({ code, locale });
  });

  it.each(['fr-FR', 'ja-JP', 'zz', '', '-', 'x'.repeat(300), '__proto__', 'constructor'])('%j falls back to English', (tag) => {
    expect(pickLanguage(tag)).toMatchObject({ code: 'en', locale: 'en' });
  });

  it('keeps the language but not a malformed tag for dates', () => {
    expect(pickLanguage('de-!!')).toMatchObject({ code: 'de', locale: 'de' });
  });
});

describe("the browser's language (Accept-Language), for pages shown before a link is known", () => {
  it.each([
    ['de-DE,de;q=0.9,en;q=0.8', 'de'],
    ['fr-FR,fr;q=0.9,ko;q=0.8,en;q=0.7', 'ko'],
    ['en;q=0.5, de;q=0.8', 'de'],
    ['de;q=0, en', 'en'],
    ['*', 'en'],
    ['fr', 'en'],
    ['', 'en'],
  ])('%j → %s', (header, code) => {
    expect(languageFromAcceptLanguage(header).code).toBe(code);
  });

  it('is English when none is sent', () => {
    expect(languageFromAcceptLanguage(undefined).code).toBe('en');
  });
});

describe('names and filled texts', () => {
  it('write a Korean name family name first, others given name first', () => {
    expect(personName(pickLanguage('ko'), { firstName: '민준', lastName: '김' })).toBe('김민준');
    expect(personName(pickLanguage('ko'), { firstName: 'Jana', lastName: 'Becker' })).toBe('Jana Becker');
    expect(personName(pickLanguage('de'), { firstName: '민준', lastName: '김' })).toBe('민준 김');
  });

  it('fill placeholders and leave unknown ones as they are', () => {
    expect(fillText('{a} and {b} but {c}', { a: '1', b: '{c}' })).toBe('1 and {c} but {c}');
  });
});
