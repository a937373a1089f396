import { AcceptanceChannel, AcceptanceMethod, AttestationScenario } from '../acceptances/acceptance.entity';
import { checkNotInFuture } from '../acceptances/date-rules';
import { AgreementType } from '../agreements/agreement.entity';
import { requireCountry, requireLanguage } from '../agreements/documents';
import { isRole } from '../auth/roles';
import { type Contact, type ContactInput, validContact } from '../customers/contact';
import { validCompanyName, validDomain } from '../customers/customer-rules';
import { BillingType } from '../orders/offer.entity';
import { CloudInstance, PartnerType } from '../partners/partner.entity';
import { CalendarDate, DateTime } from '../shared/scalars';
import { requireId, requireText, requireVisibleText } from '../shared/validation';

/** The import file (`contract/import-example.json`): every section optional. */
export interface ImportFile {
  partners?: PartnerRow[];
  agreements?: AgreementRow[];
  offers?: OfferRow[];
  customers?: CustomerRow[];
  subscriptions?: SubscriptionRow[];
  acceptances?: AcceptanceRow[];
}

export interface PartnerRow {
  id: string;
  name: string;
  type: PartnerType;
  cloud: CloudInstance;
}
export interface AgreementRow {
  templateId: string;
  type: AgreementType;
  agreementLink: string;
  versionRank: number;
  effectiveDate: string;
  retired: boolean;
  /** Acceptances of this version dated before `acceptedBefore` are OUTDATED from `outdatedFrom`. */
  reacceptance: { acceptedBefore: string; outdatedFrom: string } | null;
  /** The version's texts per country and language, in order; null (omitted): the stored ones stay. */
  documents: DocumentRow[] | null;
}
export interface DocumentRow {
  country: string;
  language: string;
  displayUri: string;
  downloadUri: string;
}
export interface OfferRow {
  id: string;
  name: string;
  billingType: BillingType;
}
export interface CustomerRow {
  id: string;
  companyName: string;
  domain: string;
  primaryContact: Contact;
  partnerIds: string[];
  createdAt?: Date;
}
export interface SubscriptionRow {
  id: string;
  customerId: string;
  partnerId: string;
  offerId: string;
  quantity: number | null;
  autoRenew: boolean;
  createdAt?: Date;
}
export interface AcceptanceRow {
  id: string;
  customerId: string;
  partnerId: string;
  templateId: string;
  method: AcceptanceMethod;
  channel: AcceptanceChannel;
  scenario: AttestationScenario | null;
  acceptedBy: Contact;
  dateAgreed: string;
  recordedBy: { userId: string; role: string };
  recordedAt: Date;
}

/** A refused import: names the row and field (`customers[3].primaryContact.email`). */
export class ImportError extends Error {}

type Json = Record<string, unknown>;

const SECTIONS = ['partners', 'agreements', 'offers', 'customers', 'subscriptions', 'acceptances'] as const;

/**
 * Checks the shape and the field rules of every row, before anything is
 * written, and returns the rows as they will be stored. The first invalid row
 * refuses the whole file.
 */
export function parseImportFile(input: unknown, now: Date): Required<ImportFile> {
  if (!isObject(input)) throw new ImportError('The import file must be a JSON object.');
  for (const key of Object.keys(input)) {
    if (!(SECTIONS as readonly string[]).includes(key)) throw new ImportError(`Unknown section "${key}".`);
  }
  const section = <T>(name: (typeof SECTIONS)[number], parse: (row: Json, path: string) => T): T[] => {
    const rows = input[name] ?? [];
    if (!Array.isArray(rows)) throw new ImportError(`${name} must be an array.`);
    const seen = new Set<string>();
    return rows.map((row, index) => {
      const path = `${name}[${index}]`;
      const parsed = guard(() => {
        if (!isObject(row)) throw new ImportError(`${path} must be an object.`);
        return parse(row, path);
      });
      const id = (parsed as { id?: string; templateId?: string }).id ?? (parsed as { templateId: string }).templateId;
      if (seen.has(id)) throw new ImportError(`${path}: id ${id} appears twice in ${name}.`);
      seen.add(id);
      return parsed;
    });
  };

  return {
    partners: section('partners', (row, path) => ({
      id: requireId(row.id, `${path}.id`),
      name: validCompanyName(row.name, `${path}.name`),
      type: oneOf(row.type, PartnerType, `${path}.type`),
      cloud: oneOf(row.cloud, CloudInstance, `${path}.cloud`),
    })),
    agreements: section('agreements', (row, path) => ({
      templateId: requireId(row.templateId, `${path}.templateId`),
      type: oneOf(row.type, AgreementType, `${path}.type`),
      agreementLink: url(row.agreementLink, `${path}.agreementLink`),
      versionRank: integer(row.versionRank, `${path}.versionRank`, 1, 1_000_000),
      effectiveDate: calendarDate(row.effectiveDate, `${path}.effectiveDate`),
      retired: boolean(row.retired ?? false, `${path}.retired`),
      reacceptance: reacceptance(row.reacceptance, `${path}.reacceptance`),
      documents: documents(row.documents, `${path}.documents`),
    })),
    offers: section('offers', (row, path) => ({
      id: requireId(row.id, `${path}.id`),
      name: requireVisibleText(row.name, `${path}.name`, 200),
      billingType: oneOf(row.billingType, BillingType, `${path}.billingType`),
    })),
    customers: section('customers', (row, path) => {
      const partnerIds = row.partnerIds ?? [];
      if (!Array.isArray(partnerIds)) throw new ImportError(`${path}.partnerIds must be an array of partner ids.`);
      return {
        id: requireId(row.id, `${path}.id`),
        companyName: validCompanyName(row.companyName, `${path}.companyName`),
        domain: validDomain(row.domain, `${path}.domain`),
        primaryContact: contact(row.primaryContact, `${path}.primaryContact`),
        partnerIds: [...new Set(partnerIds.map((id, i) => requireId(id, `${path}.partnerIds[${i}]`)))],
        createdAt: row.createdAt === undefined ? undefined : instant(row.createdAt, `${path}.createdAt`, now),
      };
    }),
    subscriptions: section('subscriptions', (row, path) => ({
      id: requireId(row.id, `${path}.id`),
      customerId: requireId(row.customerId, `${path}.customerId`),
      partnerId: requireId(row.partnerId, `${path}.partnerId`),
      offerId: requireId(row.offerId, `${path}.offerId`),
      quantity: row.quantity === undefined || row.quantity === null ? null : integer(row.quantity, `${path}.quantity`, 1, 100_000),
      autoRenew: boolean(row.autoRenew ?? true, `${path}.autoRenew`),
      createdAt: row.createdAt === undefined ? undefined : instant(row.createdAt, `${path}.createdAt`, now),
    })),
    acceptances: section('acceptances', (row, path) => {
      const method = oneOf(row.method, AcceptanceMethod, `${path}.method`);
      const scenario = row.scenario === undefined || row.scenario === null ? null : oneOf(row.scenario, AttestationScenario, `${path}.scenario`);
      if (method === AcceptanceMethod.ATTESTATION && !scenario) throw new ImportError(`${path}.scenario is required for an attestation.`);
      if (method !== AcceptanceMethod.ATTESTATION && scenario) throw new ImportError(`${path}.scenario is for attestations only.`);
      const recordedBy = row.recordedBy;
      if (!isObject(recordedBy)) throw new ImportError(`${path}.recordedBy must be { userId, role }.`);
      if (!isRole(recordedBy.role)) throw new ImportError(`${path}.recordedBy.role must be a Role, got ${JSON.stringify(recordedBy.role)}.`);
      const dateAgreed = calendarDate(row.dateAgreed, `${path}.dateAgreed`);
      checkNotInFuture(dateAgreed, now, `${path}.dateAgreed`);
      return {
        id: requireId(row.id, `${path}.id`),
        customerId: requireId(row.customerId, `${path}.customerId`),
        partnerId: requireId(row.partnerId, `${path}.partnerId`),
        templateId: requireId(row.templateId, `${path}.templateId`),
        method,
        channel: row.channel === undefined ? AcceptanceChannel.IMPORT : oneOf(row.channel, AcceptanceChannel, `${path}.channel`),
        scenario,
        acceptedBy: contact(row.acceptedBy, `${path}.acceptedBy`),
        dateAgreed,
        recordedBy: { userId: requireText(recordedBy.userId, `${path}.recordedBy.userId`, 128), role: recordedBy.role },
        recordedAt: instant(row.recordedAt, `${path}.recordedAt`, now),
      };
    }),
  };
}

/** Runs a row check, turning a field error into an ImportError that names the field. */
export function guard<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError((error as Error).message);
  }
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function oneOf<E extends Record<string, string>>(value: unknown, values: E, field: string): E[keyof E] {
  if (typeof value !== 'string' || !Object.values(values).includes(value)) {
    throw new ImportError(`${field} must be one of ${Object.values(values).join(', ')}, got ${JSON.stringify(value)}.`);
  }
  return value as E[keyof E];
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ImportError(`${field} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new ImportError(`${field} must be true or false.`);
  return value;
}

/** A version's re-acceptance rule, when it has one. */
function reacceptance(value: unknown, field: string): AgreementRow['reacceptance'] {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new ImportError(`${field} must be an object { acceptedBefore, outdatedFrom }.`);
  const acceptedBefore = calendarDate(value.acceptedBefore, `${field}.acceptedBefore`);
  const outdatedFrom = calendarDate(value.outdatedFrom, `${field}.outdatedFrom`);
  if (outdatedFrom < acceptedBefore) throw new ImportError(`${field}.outdatedFrom must not be before ${field}.acceptedBefore.`);
  return { acceptedBefore, outdatedFrom };
}

/** A version's texts: each country and language once; null when the row has none. */
function documents(value: unknown, field: string): DocumentRow[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new ImportError(`${field} must be an array of { country, language, displayUri, downloadUri }.`);
  const seen = new Set<string>();
  return value.map((row: unknown, i) => {
    const path = `${field}[${i}]`;
    if (!isObject(row)) throw new ImportError(`${path} must be an object { country, language, displayUri, downloadUri }.`);
    const document = {
      country: requireCountry(row.country, `${path}.country`),
      language: requireLanguage(row.language, `${path}.language`),
      displayUri: url(row.displayUri, `${path}.displayUri`),
      downloadUri: url(row.downloadUri, `${path}.downloadUri`),
    };
    const key = `${document.country}|${document.language.toLowerCase()}`;
    if (seen.has(key)) throw new ImportError(`${path}: ${document.country}/${document.language} appears twice in ${field}.`);
    seen.add(key);
    return document;
  });
}

function calendarDate(value: unknown, field: string): string {
  try {
    return CalendarDate.parseValue(value);
  } catch {
    throw new ImportError(`${field} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(value)}.`);
  }
}

/** An RFC 3339 instant with its zone (2019-10-15T09:30:00.000Z); impossible days are refused. */
function instant(value: unknown, field: string, now: Date): Date {
  let at: Date;
  try {
    at = DateTime.parseValue(value) as Date;
  } catch {
    throw new ImportError(`${field} must be an ISO 8601 instant with a zone (2019-10-15T09:30:00.000Z), got ${JSON.stringify(value)}.`);
  }
  if (at > now) throw new ImportError(`${field} is in the future.`);
  return at;
}

function url(value: unknown, field: string): string {
  const text = requireText(value, field, 500);
  if (!/^https?:\/\/\S+$/.test(text)) throw new ImportError(`${field} must be an http(s) URL.`);
  return text;
}

function contact(value: unknown, field: string): Contact {
  if (!isObject(value)) throw new ImportError(`${field} must be { firstName, lastName, email, phoneNumber }.`);
  return validContact(value as unknown as ContactInput, field);
}
