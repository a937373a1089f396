import { type Language, personName } from './messages';
import type { MessageKey } from './messages/catalogue';
import type { SigningAgreementType, SigningRequestView } from './signing-port';

const AGREEMENT_NAME: Readonly<Record<SigningAgreementType, MessageKey>> = {
  MICROSOFT_CUSTOMER_AGREEMENT: 'agreementMicrosoftCustomerAgreement',
  MICROSOFT_CLOUD_AGREEMENT: 'agreementMicrosoftCloudAgreement',
};

/** The values the page's and e-mail's texts name (`{partner}`, `{agreement}`…), in one language. */
export function requestTexts(language: Language, request: Pick<SigningRequestView, 'partnerName' | 'customerCompanyName' | 'agreement' | 'signatory'>) {
  return {
    partner: request.partnerName,
    customer: request.customerCompanyName,
    agreement: language.messages[AGREEMENT_NAME[request.agreement.type]],
    version: request.agreement.version,
    name: personName(language, request.signatory),
  };
}
