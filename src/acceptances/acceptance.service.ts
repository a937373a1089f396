import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type AgreementCatalogue, type Agreements, basisOf } from '../agreements/agreement-catalogue';
import type { AgreementTemplate, AgreementType } from '../agreements/agreement.entity';
import { checkTemplateStatement, type TemplateStatement, templateToAccept } from '../agreements/templates';
import type { AuditTrail } from '../audit/audit-trail';
import { type Caller, requireAccess } from '../auth/caller';
import { Operation, type Role } from '../auth/roles';
import { type ContactInput, validContact } from '../customers/contact';
import type { Customer } from '../customers/customer.entity';
import type { CustomerRepository } from '../customers/customer.repository';
import type { Clock } from '../shared/clock';
import { DomainError, ErrorCode, notFound } from '../shared/errors';
import { requireId } from '../shared/validation';
import { CurrentAcceptance } from '../status/current-acceptance.entity';
import { acceptanceRecorded, ChangeReason, type NewEvent, type Outbox, statusChanged } from '../status/outbox';
import { agreementApplies, canTransact, statusOf } from '../status/status';
import type { CloudInstance } from '../partners/partner.entity';
import { type Bucket, NOT_ACCEPTED, type StandingChange, type StatusRepository } from '../status/status.repository';
import { Acceptance, AcceptanceChannel, AcceptanceMethod, AttestationScenario } from './acceptance.entity';
import type { AcceptanceRepository, Current } from './acceptance.repository';
import { checkDateAgreed } from './date-rules';
import { append, type HistoryHead } from './history';

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

/** A record to append as it is, with its own id and time (the import's history). */
export type HistoricalRecord = Omit<Acceptance, 'sequence' | 'agreementType'>;

/**
 * Confirm and attest (README, "The rules"): who may, which template and date,
 * which attestation scenario, the duplicate rule, and the append-only history
 * with the record each status rests on. The import appends through the same
 * `appendAll`, so both follow one write path.
 */
export class AcceptanceService {
  constructor(
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly catalogue: AgreementCatalogue,
    private readonly acceptances: AcceptanceRepository,
    private readonly customers: CustomerRepository,
    private readonly statuses: StatusRepository,
    private readonly outbox: Outbox,
  ) {}

  /** The partner confirms that the customer accepted. */
  confirm(em: EntityManager, caller: Caller, request: AcceptanceRequest, channel: AcceptanceChannel, path = 'input') {
    return this.attempt(em, caller, Operation.CONFIRM_ACCEPTANCE, request, { method: AcceptanceMethod.CONFIRMATION, channel, path });
  }

  /** The partner attests acceptance on the customer's behalf; the scenario is derived, never sent. */
  attest(em: EntityManager, caller: Caller, request: AcceptanceRequest, path = 'input') {
    return this.attempt(em, caller, Operation.ATTEST_ACCEPTANCE, request, {
      method: AcceptanceMethod.ATTESTATION,
      channel: AcceptanceChannel.EXISTING_CUSTOMER,
      path,
    });
  }

  /**
   * A confirmation as part of another attempt (a new customer, a new order),
   * which records the one audit event for both.
   */
  confirmWithin(em: EntityManager, caller: Caller, request: AcceptanceRequest, channel: AcceptanceChannel, path: string): Promise<RecordedAcceptance> {
    return this.record(em, caller, Operation.CONFIRM_ACCEPTANCE, request, { method: AcceptanceMethod.CONFIRMATION, channel, path });
  }

  /** One audited attempt: its event names the customer and, once recorded, the acceptance. */
  private attempt(em: EntityManager, caller: Caller, operation: Operation, request: AcceptanceRequest, options: RecordOptions): Promise<RecordedAcceptance> {
    return this.audit.attempt(
      em,
      caller,
      operation,
      { customerId: request.customerId },
      (tx) => this.record(tx, caller, operation, request, options),
      (recorded) => ({ customerId: recorded.customer.id, acceptanceId: recorded.acceptance.id }),
    );
  }

  private async record(em: EntityManager, caller: Caller, operation: Operation, request: AcceptanceRequest, options: RecordOptions): Promise<RecordedAcceptance> {
    const { path } = options;
    const role = requireAccess(caller, operation);
    requireAgreementApplies(caller);
    const customerId = requireId(request.customerId, `${path}.customerId`);
    const acceptedBy = request.acceptedBy ? validContact(request.acceptedBy, `${path}.acceptedBy`) : null;
    const now = this.clock.now();

    // The relationship row is the lock: one writer per partner and customer at a time.
    const customer = await this.customers.lockRelated(em, caller.partner.id, customerId);
    if (!customer) throw notFound('Customer', customerId, `${path}.customerId`);
    const agreements = await this.catalogue.current(em);
    const template = templateToAccept(agreements.templates, request.templateId, `${path}.templateId`, this.catalogue.today());
    checkTemplateStatement(template, request, path);
    checkDateAgreed(request.dateAgreed, template.effectiveDate, now, `${path}.dateAgreed`);
    const scenario = options.method === AcceptanceMethod.ATTESTATION ? await this.attestationScenario(em, caller.partner.id, customerId) : null;

    const [acceptance] = await this.appendAll(
      em,
      agreements,
      [
      {
        id: randomUUID(),
        customerId,
        partnerId: caller.partner.id,
        templateId: template.templateId,
        method: options.method,
        channel: options.channel,
        scenario,
        acceptedBy: acceptedBy ?? customer.primaryContact,
        dateAgreed: request.dateAgreed,
        recordedBy: { userId: caller.userId, role: role as Role },
        recordedAt: now,
      },
      ],
      { clouds: new Map([[caller.partner.id, caller.partner.cloud]]), reason: ChangeReason.ACCEPTANCE_RECORDED },
    );
    return { acceptance, customer, template };
  }

  /**
   * Appends records to their histories, in the order given, in batched
   * statements: each one under the duplicate rule, numbered, and made the
   * record its status rests on when the current-record rule says so, with the
   * status counts moved to match. A refused record throws (with its position
   * in `records` as `index`), and nothing of the batch is written.
   */
  async appendAll(
    em: EntityManager,
    agreements: Agreements,
    records: readonly HistoricalRecord[],
    cause: { clouds: ReadonlyMap<string, CloudInstance>; reason: ChangeReason },
  ): Promise<Acceptance[]> {
    const { templates, rules } = agreements;
    const templateOf = new Map(templates.map((t) => [t.templateId, t]));
    const ruleOf = new Map(rules.map((r) => [r.templateId, r]));
    /** Where a current record stands in the counts: its template, and whether under the template's rule (published or being applied). */
    const bucketOf = (current: { templateId: string; dateAgreed: string }): Bucket => {
      const rule = ruleOf.get(current.templateId);
      return { templateId: current.templateId, acceptedBeforeRule: rule !== undefined && current.dateAgreed < rule.acceptedBefore };
    };
    const keyOf = (r: { partnerId: string; customerId: string; agreementType: string }) => `${r.partnerId}\n${r.customerId}\n${r.agreementType}`;
    const typed = records.map((r) => ({ ...r, agreementType: templateOf.get(r.templateId)!.type }));
    const stored = new Map<string, Current>();
    const keys = [...new Map(typed.map((r) => [keyOf(r), r])).values()];
    for (let i = 0; i < keys.length; i += 300) {
      for (const current of await this.acceptances.currents(em, keys.slice(i, i + 300))) stored.set(keyOf(current), current);
    }
    const heads = new Map<string, HistoryHead>();
    const headOf = (key: string): HistoryHead => {
      const known = heads.get(key);
      if (known) return known;
      const current = stored.get(key);
      return {
        current: current ? { ...current.acceptance, versionRank: templateOf.get(current.templateId)?.versionRank ?? 0 } : null,
        lastSequence: current?.lastSequence ?? 0,
      };
    };
    const appended = typed.map((record, index) => {
      const key = keyOf(record);
      try {
        const { sequence, head } = append(headOf(key), { ...record, versionRank: templateOf.get(record.templateId)!.versionRank });
        heads.set(key, head);
        return Object.assign(new Acceptance(), { ...record, sequence });
      } catch (error) {
        throw Object.assign(error as Error, { index });
      }
    });
    await this.acceptances.insert(em, appended);

    const currents: CurrentAcceptance[] = [];
    const moves: StandingChange[] = [];
    for (const [key, head] of heads) {
      const [partnerId, customerId, agreementType] = key.split('\n');
      const current = head.current!;
      currents.push(
        Object.assign(new CurrentAcceptance(), {
          partnerId,
          customerId,
          agreementType,
          acceptanceId: current.id,
          templateId: current.templateId,
          dateAgreed: current.dateAgreed,
          method: current.method,
          acceptedBeforeRule: bucketOf(current).acceptedBeforeRule,
          lastSequence: head.lastSequence,
        }),
      );
      const before = stored.get(key);
      moves.push({ partnerId, customerId, agreementType, from: before ? { templateId: before.templateId, acceptedBeforeRule: before.acceptedBeforeRule } : NOT_ACCEPTED, to: bucketOf(current) });
    }
    await this.acceptances.saveCurrent(em, currents, new Set(stored.keys()));
    await this.statuses.moved(em, moves);
    await this.outbox.record(em, [...appended.map(acceptanceRecorded), ...this.changes(agreements, moves, cause)]);
    return appended;
  }

  /** The status changes that the moves make, by the status rule as it stands today. */
  private changes(agreements: Agreements, moves: readonly StandingChange[], cause: { clouds: ReadonlyMap<string, CloudInstance>; reason: ChangeReason }): NewEvent[] {
    const today = this.catalogue.today();
    const at = this.clock.now().toISOString();
    const bases = new Map<string, ReturnType<typeof basisOf>>();
    const basisFor = (type: string) => bases.get(type) ?? bases.set(type, basisOf(agreements, type as AgreementType, today)).get(type)!;
    const standing = (bucket: Bucket | null) => (bucket === null || bucket.templateId === NOT_ACCEPTED.templateId ? null : bucket);
    return moves.flatMap((move) => {
      const cloud = cause.clouds.get(move.partnerId);
      if (!cloud) return [];
      const basis = basisFor(move.agreementType);
      const previous = statusOf(cloud, standing(move.from), basis);
      const now = statusOf(cloud, standing(move.to), basis);
      if (previous.status === now.status) return [];
      return [
        statusChanged({
          partnerId: move.partnerId,
          customerId: move.customerId,
          agreementType: move.agreementType,
          previous: previous.status,
          status: now.status,
          canTransact: canTransact(now.status),
          outdatedFrom: now.outdatedFrom,
          reason: cause.reason,
          at,
        }),
      ];
    });
  }

  /** Records with these ids, whoever's (an import brings known ones back unchanged). */
  withIds(em: EntityManager, ids: readonly string[]): Promise<Acceptance[]> {
    return this.acceptances.withIds(em, ids);
  }

  /**
   * Scenario 1 when the customer holds a subscription through this partner,
   * scenario 2 when only through others; with none at all it must be confirmed instead.
   */
  private async attestationScenario(em: EntityManager, partnerId: string, customerId: string): Promise<AttestationScenario> {
    const holders = await this.acceptances.subscriptionHolders(em, customerId);
    if (holders.includes(partnerId)) return AttestationScenario.EXISTING_PARTNER_NEW_PURCHASE;
    if (holders.length > 0) return AttestationScenario.NEW_PARTNER_NEW_PURCHASE;
    throw new DomainError(
      ErrorCode.ATTESTATION_NOT_APPLICABLE,
      'Attestation applies only to a customer with a subscription (through this partner or another); confirm acceptance instead.',
    );
  }
}

/** Outside the public cloud the agreement does not apply: confirm and attest are refused. */
export function requireAgreementApplies(caller: Pick<Caller, 'partner'>): void {
  if (!agreementApplies(caller.partner.cloud)) {
    throw new DomainError(
      ErrorCode.AGREEMENT_NOT_SUPPORTED_IN_CLOUD,
      `The Microsoft Customer Agreement does not apply in the ${caller.partner.cloud} cloud; no acceptance is needed.`,
    );
  }
}
