import { pickDocument, requireCountry, requireLanguage } from '../../src/agreements/documents';
import { DEMO_MCA_2025, demoData } from '../../src/imports/demo';
import { parseImportFile } from '../../src/imports/import-file';

const d = (country: string, language: string) => ({ country, language });

describe('pickDocument: which text of a version to show', () => {
  const texts = [d('US', 'en-US'), d('DE', 'de-DE'), d('DE', 'en-US'), d('KR', 'ko-KR')];

  it('takes the exact match, in any spelling of the language', () => {
    expect(pickDocument(texts, 'DE', 'en-US')).toBe(texts[2]);
    expect(pickDocument(texts, 'DE', 'EN-us')).toBe(texts[2]);
  });

  it("else the country's first language, in the version's order", () => {
    expect(pickDocument(texts, 'DE', 'fr-FR')).toBe(texts[1]);
    expect(pickDocument(texts, 'DE', null)).toBe(texts[1]);
    expect(pickDocument([texts[2], texts[1]], 'DE', null)).toBe(texts[2]);
  });

  it('else US/en-US, else the first text; null only without texts', () => {
    expect(pickDocument(texts, 'JP', 'ja-JP')).toBe(texts[0]);
    expect(pickDocument(texts.slice(1), 'JP', 'ja-JP')).toBe(texts[1]);
    expect(pickDocument([], 'US', 'en-US')).toBeNull();
  });
});

describe('country and language codes', () => {
  it('takes ISO 3166-1 alpha-2 in upper case only, with BAD_USER_INPUT naming the field', () => {
    expect(requireCountry('KR', 'country')).toBe('KR');
    for (const bad of ['kr', 'KOR', '', 'K1', 7, null]) {
      expect(() => requireCountry(bad, 'c')).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'c' } }));
    }
  });

  it('takes well-formed BCP 47 tags, canonically spelled', () => {
    expect(requireLanguage('ko-KR', 'l')).toBe('ko-KR');
    expect(requireLanguage('en-us', 'l')).toBe('en-US');
    expect(requireLanguage('zh-hant-tw', 'l')).toBe('zh-Hant-TW');
    for (const bad of ['english', 'en_US', 'e', 'en-', '-US', 'en US', 'x'.repeat(36), 3]) {
      expect(() => requireLanguage(bad, 'l')).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'l' } }));
    }
  });
});

describe('the demo data', () => {
  it('gives the current MCA version texts for the US, Germany and Korea, valid for the import', () => {
    const file = parseImportFile(JSON.parse(JSON.stringify(demoData())), new Date());
    const texts = file.agreements.find((a) => a.templateId === DEMO_MCA_2025)!.documents!;
    expect(texts.map((t) => `${t.country}/${t.language}`)).toEqual(expect.arrayContaining(['US/en-US', 'DE/de-DE', 'KR/ko-KR']));
    expect(pickDocument(texts, 'KR', null)!.language).toBe('ko-KR');
  });
});
