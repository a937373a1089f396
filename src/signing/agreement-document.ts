import type { AgreementTemplate } from '../agreements/agreement.entity';

/** The text of a version for one country and language, as the signing page links it. */
export interface DocumentToShow {
  country: string;
  language: string;
  displayUri: string;
}

/** The first language of a few countries; anything else reads en-US. */
const FIRST_LANGUAGE: Readonly<Record<string, string>> = { DE: 'de-DE', AT: 'de-AT', CH: 'de-CH', KR: 'ko-KR', FR: 'fr-FR', JP: 'ja-JP', US: 'en-US', GB: 'en-GB' };

/** The language a request is in when none is given: the country's first language. */
export const defaultLanguageOf = (country: string): string => FIRST_LANGUAGE[country] ?? 'en-US';

/**
 * The document the signing page shows for a version, country and language:
 * the version's link, for that country and language.
 */
export function documentToShow(template: Pick<AgreementTemplate, 'agreementLink'>, country: string, language: string): DocumentToShow {
  const url = new URL(template.agreementLink);
  url.searchParams.set('country', country);
  url.searchParams.set('language', language);
  return { country, language, displayUri: url.href };
}
