import type { RequestWithNames } from './acceptance-request.repository';
import type { SigningAgreementType, SigningRequestView } from './signing-port';

/** A stored request as the signing page and e-mail show it. */
export function viewOf({ request, partner, customerCompanyName, template }: RequestWithNames): SigningRequestView {
  return {
    status: request.status,
    language: request.language,
    country: request.country,
    expiresAt: request.expiresAt,
    partnerName: partner.name,
    customerCompanyName,
    signatory: { firstName: request.signatory.firstName, lastName: request.signatory.lastName },
    agreement: { type: request.agreementType as SigningAgreementType, version: String(template.versionRank), link: template.agreementLink },
    documentUri: request.documentUri,
    answeredAt: request.answeredAt,
    declineReason: request.declineReason,
  };
}
