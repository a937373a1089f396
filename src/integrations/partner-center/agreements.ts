import { AcceptanceChannel, type Acceptance } from '../../acceptances/acceptance.entity';
import type { AcceptanceRequest } from '../../acceptances/acceptance.service';
import { AgreementType } from '../../agreements/agreement.entity';
import { templatesOfType } from '../../agreements/templates';
import type { ContactInput } from '../../customers/contact';
import { jsonResult } from '../../http/io';
import type { Services } from '../../services';
import { badInput } from '../../shared/errors';
import type { RestHandler } from '../rest-handler';
import { agreementTypeNamed, agreementTypeParameter, PARTNER_CENTER_TYPE } from './agreement-types';
import { calendarDateOf, dateTimeOf } from './date-agreed';

/** Partner Center's collection resource. */
const collection = <T>(items: T[]) => ({ totalCount: items.length, items, attributes: { objectType: 'Collection' } });

/** Partner Center's Agreement resource for one acceptance record. */
function agreementOf(a: Acceptance, agreementLink: string) {
  const { firstName, lastName, email, phoneNumber } = a.acceptedBy;
  return {
    userId: a.recordedBy.userId,
    primaryContact: { firstName, lastName, email, ...(phoneNumber === null ? {} : { phoneNumber }) },
    templateId: a.templateId,
    dateAgreed: dateTimeOf(a.dateAgreed),
    type: PARTNER_CENTER_TYPE[a.agreementType],
    agreementLink,
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const given = (value: unknown) => value !== undefined && value !== null;

/** A Partner Center Agreement body as the service's request; the service checks everything it can itself. */
function confirmationOf(customerId: string, body: unknown): AcceptanceRequest {
  if (!isObject(body)) throw badInput('body', 'must be a JSON object: an Agreement.');
  const { primaryContact, templateId, dateAgreed, type, agreementLink } = body;
  if (given(primaryContact) && !isObject(primaryContact)) {
    throw badInput('primaryContact', 'must be an object with firstName, lastName, email and, optionally, phoneNumber.');
  }
  if (given(agreementLink) && typeof agreementLink !== 'string') throw badInput('agreementLink', 'must be text.');
  return {
    customerId,
    templateId: templateId as string | null | undefined,
    acceptedBy: primaryContact as ContactInput | null | undefined,
    dateAgreed: calendarDateOf(dateAgreed, 'dateAgreed'),
    type: given(type) ? agreementTypeNamed(type, 'type') : null,
    agreementLink: agreementLink as string | null | undefined,
  };
}

/**
 * The Partner Center agreement routes: parse, call one service method, answer
 * in Partner Center's shapes. Refusals are thrown and answered by the router.
 */
export function partnerCenterAgreements(services: Services) {
  /**
   * GET /v1/agreements: agreement metadata (any signed-in caller). For one type,
   * its templates that may be accepted; for `*`, every template of every type,
   * retired ones too: "all agreement metadata", which records still point to.
   */
  const metadata: RestHandler = async (_req, _body, _caller, { url }, em) => {
    const type = agreementTypeParameter(url, AgreementType.MICROSOFT_CLOUD_AGREEMENT, true);
    const templates = await services.catalogue.templates(em);
    const items = (type ? [type] : Object.values(AgreementType))
      .flatMap((t) => templatesOfType(templates, t, type === null))
      .map((t) => ({ templateId: t.templateId, agreementType: PARTNER_CENTER_TYPE[t.type], agreementLink: t.agreementLink, versionRank: t.versionRank }));
    return jsonResult(200, collection(items));
  };

  /** POST /v1/customers/{id}/agreements: confirm acceptance; 201 with the Agreement recorded. */
  const confirm: RestHandler = async (_req, body, caller, { params }, em) => {
    const request = confirmationOf(params.customerId, body);
    const { acceptance, template } = await services.acceptances.confirm(em, caller, request, AcceptanceChannel.EXISTING_CUSTOMER, 'body');
    return jsonResult(201, agreementOf(acceptance, template.agreementLink));
  };

  /** GET /v1/customers/{id}/agreements: the customer's acceptance records, oldest first. */
  const ofCustomer: RestHandler = async (_req, _body, caller, { url, params }, em) => {
    const type = agreementTypeParameter(url, AgreementType.MICROSOFT_CLOUD_AGREEMENT, true);
    const records = await services.history.ofCustomer(em, caller, params.customerId, type, 'customer-tenant-id');
    const links = new Map((await services.catalogue.templates(em)).map((t) => [t.templateId, t.agreementLink]));
    return jsonResult(200, collection(records.map((a) => agreementOf(a, links.get(a.templateId)!))));
  };

  return { metadata, confirm, ofCustomer };
}
