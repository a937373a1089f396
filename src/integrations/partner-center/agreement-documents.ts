import { AgreementType } from '../../agreements/agreement.entity';
import { DEFAULT_COUNTRY, DEFAULT_LANGUAGE, requireCountry, requireLanguage } from '../../agreements/documents';
import { jsonResult } from '../../http/io';
import type { Services } from '../../services';
import { DomainError, ErrorCode, notFound } from '../../shared/errors';
import { requireId } from '../../shared/validation';
import type { RestHandler } from '../rest-handler';

/**
 * Partner Center's agreement document and direct customer acceptance status
 * routes: parse, call one service method, answer in Partner Center's shapes.
 */
export function partnerCenterDocuments(services: Services) {
  /**
   * GET /v1/agreementtemplates/{templateId}/document?language=&country=: the
   * version's text for the country (default US) and language (default en-US),
   * by the document rule (agreements/documents.ts). 404 for an unknown version
   * or one without documents.
   */
  const document: RestHandler = async (_req, _body, _caller, { url, params }, em) => {
    const templateId = requireId(params.templateId, 'templateId');
    const country = url.searchParams.has('country') ? requireCountry(url.searchParams.get('country'), 'country') : DEFAULT_COUNTRY;
    const language = url.searchParams.has('language') ? requireLanguage(url.searchParams.get('language'), 'language') : DEFAULT_LANGUAGE;
    if (!(await services.catalogue.templates(em)).some((t) => t.templateId === templateId)) throw notFound('Agreement template', templateId, 'templateId');
    const found = await services.catalogue.documentFor(em, templateId, country, language);
    if (!found) throw new DomainError(ErrorCode.NOT_FOUND, `Agreement template ${JSON.stringify(templateId)} has no document.`, 'templateId');
    return jsonResult(200, { country: found.country, language: found.language, displayUri: found.displayUri, downloadUri: found.downloadUri });
  };

  /**
   * GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus:
   * whether the customer's current Microsoft Customer Agreement acceptance
   * with the caller's partner was signed by the customer itself.
   */
  const directSignedStatus: RestHandler = async (_req, _body, caller, { params }, em) => {
    const status = await services.customers.statusOfCustomer(em, caller, AgreementType.MICROSOFT_CUSTOMER_AGREEMENT, params.customerId, 'customer-tenant-id');
    return jsonResult(200, { isSigned: status.customerSigned });
  };

  return { document, directSignedStatus };
}
