import { randomUUID } from 'node:crypto';
import type { AgreementTemplate } from '../agreements/agreement.entity';
import { checkTemplateStatement, loadTemplates, type TemplateStatement, templateToAccept } from '../agreements/templates';
import type { AuditTrail } from '../audit/audit-trail';
import { type Caller, requireAccess } from '../auth/caller';
import { Operation } from '../auth/roles';
import { type ContactInput, validContact } from '../customers/contact';
import type { Customer } from '../customers/customer.entity';
import { countCurrentAcceptances } from '../customers/customer-counts';
import { CUSTOMER_COLUMNS, customerFromRow } from '../customers/customer.rows';
import type { Clock } from '../shared/clock';
import { type Database, instantParam, type Sql } from '../shared/db';
import { DomainError, ErrorCode, notFound } from '../shared/errors';
import { requireId } from '../shared/validation';
import { Acceptance, AcceptanceChannel, AcceptanceMethod, AttestationScenario } from './acceptance.entity';
import { ACCEPTANCE_COLUMNS, acceptanceFromRow } from './acceptance.rows';
import { replacesCurrent } from './current-rule';
import { checkDateAgreed } from './date-rules';
import { sameSignatory } from './duplicate-rule';
import { agreementApplies } from './status';

/**
 * What a caller sends to record an acceptance (GraphQL inputs, REST bodies, bulk
 * items). A stated `type` or `agreementLink` must be the template's own.
 */
export interface AcceptanceRequest extends TemplateStatement {
  customerId: string;
  /** Default: the latest Microsoft Customer Agreement. */
  templateId?: string | null;
  /** Default: the customer's primary contact. */
  acceptedBy?: ContactInput | null;
  dateAgreed: string;
}

export interface RecordedAcceptance {
  acceptance: Acceptance;
  customer: Customer;
  /** The template accepted. */
  template: AgreementTemplate;
}

interface RecordOptions {
  method: AcceptanceMethod;
  channel: AcceptanceChannel;
  /** Input path of the request, for `extensions.field`: "input", "input.agreementAcceptance". */
  path: string;
}

/**
 * Confirm and attest (README, "The rules"): who may, which template and date,
 * which attestation scenario, the duplicate rule, and the append-only history
 * with its current record.
 */
export class AcceptanceService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
  ) {}

  /** The partner confirms that the customer accepted. */
  confirm(caller: Caller, request: AcceptanceRequest, channel: AcceptanceChannel, path = 'input') {
    return this.record(caller, Operation.CONFIRM_ACCEPTANCE, request, { method: AcceptanceMethod.CONFIRMATION, channel, path });
  }

  /** The partner attests acceptance on the customer's behalf; the scenario is derived, never sent. */
  attest(caller: Caller, request: AcceptanceRequest, path = 'input') {
    return this.record(caller, Operation.ATTEST_ACCEPTANCE, request, {
      method: AcceptanceMethod.ATTESTATION,
      channel: AcceptanceChannel.EXISTING_CUSTOMER,
      path,
    });
  }

  /** One audited attempt: its event names the customer and, once recorded, the acceptance. */
  private record(caller: Caller, operation: Operation, request: AcceptanceRequest, options: RecordOptions): Promise<RecordedAcceptance> {
    return this.audit.attempt(
      caller,
      operation,
      { customerId: request.customerId },
      () => this.recordAcceptance(caller, operation, request, options),
      (recorded) => ({ customerId: recorded.customer.id, acceptanceId: recorded.acceptance.id }),
    );
  }

  private async recordAcceptance(
    caller: Caller,
    operation: Operation,
    request: AcceptanceRequest,
    options: RecordOptions,
  ): Promise<RecordedAcceptance> {
    const { path } = options;
    const role = requireAccess(caller, operation);
    requireAgreementApplies(caller);
    const customerId = requireId(request.customerId, `${path}.customerId`);
    const acceptedBy = request.acceptedBy ? validContact(request.acceptedBy, `${path}.acceptedBy`) : null;
    const now = this.clock.now();

    return this.db.transaction(async (tx) => {
      // The relationship row is the lock: one writer per partner and customer at a time.
      const customer = await lockCustomer(tx, this.db.forUpdate, caller.partner.id, customerId, `${path}.customerId`);
      const templates = await loadTemplates(tx);
      const template = templateToAccept(templates, request.templateId, `${path}.templateId`);
      checkTemplateStatement(template, request, path);
      checkDateAgreed(request.dateAgreed, template.effectiveDate, now, `${path}.dateAgreed`);
      const scenario =
        options.method === AcceptanceMethod.ATTESTATION ? await attestationScenario(tx, caller.partner.id, customerId) : null;

      const signatory = acceptedBy ?? customer.primaryContact;
      const { current, lastSequence } = await currentAcceptance(tx, caller.partner.id, customerId, template.type);
      if (current && current.templateId === template.templateId && sameSignatory(current.acceptedBy, signatory)) {
        throw new DomainError(
          ErrorCode.ACCEPTANCE_ALREADY_EXISTS,
          'The current acceptance of this agreement version is already by the same person; ' +
            'record a different signatory or a newer version.',
        );
      }

      const acceptance: Acceptance = {
        id: randomUUID(),
        customerId,
        partnerId: caller.partner.id,
        templateId: template.templateId,
        agreementType: template.type,
        method: options.method,
        channel: options.channel,
        scenario,
        acceptedBy: signatory,
        dateAgreed: request.dateAgreed,
        recordedBy: { userId: caller.userId, role },
        recordedAt: now,
        sequence: lastSequence + 1,
      };
      await insertAcceptance(tx, acceptance);
      const rankOf = (a: Acceptance) => templates.find((t) => t.templateId === a.templateId)?.versionRank ?? 0;
      if (replacesCurrent({ ...acceptance, versionRank: template.versionRank }, current && { ...current, versionRank: rankOf(current) })) {
        await makeCurrent(tx, acceptance, current);
      }
      return { acceptance, customer, template };
    });
  }
}

/** Outside the public cloud the agreement does not apply: confirm and attest are refused. */
function requireAgreementApplies(caller: Caller): void {
  if (!agreementApplies(caller.partner.cloud)) {
    throw new DomainError(
      ErrorCode.AGREEMENT_NOT_SUPPORTED_IN_CLOUD,
      `The Microsoft Customer Agreement does not apply in the ${caller.partner.cloud} cloud; no acceptance is needed.`,
    );
  }
}

/** The related customer, locked for this transaction; NOT_FOUND when unrelated or unknown. */
export async function lockCustomer(
  tx: Sql,
  forUpdate: string,
  partnerId: string,
  customerId: string,
  field: string,
): Promise<Customer> {
  const [row] = await tx.query(
    `SELECT ${CUSTOMER_COLUMNS} FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id ` +
      `WHERE pc.partner_id = ? AND pc.customer_id = ?${forUpdate}`,
    [partnerId, customerId],
  );
  if (!row) throw notFound('Customer', customerId, field);
  return customerFromRow(row);
}

/**
 * Scenario 1 when the customer holds a subscription through this partner,
 * scenario 2 when only through others; with none at all it must be confirmed instead.
 */
async function attestationScenario(tx: Sql, partnerId: string, customerId: string): Promise<AttestationScenario> {
  const [row] = await tx.query<{ total: number; own: number | null }>(
    'SELECT COUNT(*) AS total, SUM(CASE WHEN partner_id = ? THEN 1 ELSE 0 END) AS own FROM subscriptions WHERE customer_id = ?',
    [partnerId, customerId],
  );
  if (Number(row.own ?? 0) > 0) return AttestationScenario.EXISTING_PARTNER_NEW_PURCHASE;
  if (Number(row.total) > 0) return AttestationScenario.NEW_PARTNER_NEW_PURCHASE;
  throw new DomainError(
    ErrorCode.ATTESTATION_NOT_APPLICABLE,
    'Attestation applies only to a customer with a subscription (through this partner or another); confirm acceptance instead.',
  );
}

/**
 * The record the status rests on, and the last sequence number given to the
 * partner's records of the customer and type (there are records only where
 * there is a current one).
 */
async function currentAcceptance(
  tx: Sql,
  partnerId: string,
  customerId: string,
  type: string,
): Promise<{ current: Acceptance | null; lastSequence: number }> {
  const [row] = await tx.query(
    `SELECT ${ACCEPTANCE_COLUMNS}, (SELECT MAX(h.sequence) FROM acceptances h ` +
      'WHERE h.partner_id = ca.partner_id AND h.customer_id = ca.customer_id AND h.agreement_type = ca.agreement_type) AS last_sequence ' +
      'FROM current_acceptances ca JOIN acceptances a ON a.id = ca.acceptance_id ' +
      'WHERE ca.partner_id = ? AND ca.customer_id = ? AND ca.agreement_type = ?',
    [partnerId, customerId, type],
  );
  return row ? { current: acceptanceFromRow(row), lastSequence: Number(row.last_sequence) } : { current: null, lastSequence: 0 };
}

/** Appends one record to the history. */
export async function insertAcceptance(tx: Sql, a: Acceptance): Promise<void> {
  await tx.query(
    'INSERT INTO acceptances (id, customer_id, partner_id, template_id, agreement_type, method, channel, scenario, ' +
      'accepted_by_first_name, accepted_by_last_name, accepted_by_email, accepted_by_phone_number, date_agreed, ' +
      'recorded_by_user_id, recorded_by_role, recorded_at, sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      a.id,
      a.customerId,
      a.partnerId,
      a.templateId,
      a.agreementType,
      a.method,
      a.channel,
      a.scenario,
      a.acceptedBy.firstName,
      a.acceptedBy.lastName,
      a.acceptedBy.email,
      a.acceptedBy.phoneNumber,
      a.dateAgreed,
      a.recordedBy.userId,
      a.recordedBy.role,
      instantParam(tx.dialect, a.recordedAt),
      a.sequence,
    ],
  );
}

/** Makes this record the one the partner's status for the customer and agreement type rests on, replacing `previous`. */
export async function makeCurrent(tx: Sql, a: Acceptance, previous: Acceptance | null): Promise<void> {
  await countCurrentAcceptances(tx, [
    { partnerId: a.partnerId, customerId: a.customerId, agreementType: a.agreementType, from: previous?.templateId ?? null, to: a.templateId },
  ]);
  if (previous) {
    await tx.query(
      'UPDATE current_acceptances SET acceptance_id = ?, template_id = ?, sequence = ? ' +
        'WHERE partner_id = ? AND customer_id = ? AND agreement_type = ?',
      [a.id, a.templateId, a.sequence, a.partnerId, a.customerId, a.agreementType],
    );
  } else {
    await tx.query(
      'INSERT INTO current_acceptances (partner_id, customer_id, agreement_type, acceptance_id, template_id, sequence) ' +
        'VALUES (?, ?, ?, ?, ?, ?)',
      [a.partnerId, a.customerId, a.agreementType, a.id, a.templateId, a.sequence],
    );
  }
}
