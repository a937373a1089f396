import type { EntityManager } from 'typeorm';
import { AgreementTemplate } from '../agreements/agreement.entity';
import { Customer } from '../customers/customer.entity';
import { Partner } from '../partners/partner.entity';
import { oneToOneRows } from '../shared/joined-rows';
import { forUpdate } from '../shared/locking';
import { AcceptanceRequest, AcceptanceRequestStatus } from './acceptance-request.entity';

const { PENDING, SIGNED, EXPIRED } = AcceptanceRequestStatus;

/** A request with what its signing page shows of the partner, customer and version: one statement. */
export interface RequestWithNames {
  request: AcceptanceRequest;
  partner: Pick<Partner, 'name' | 'type' | 'cloud'>;
  customerCompanyName: string;
  template: Pick<AgreementTemplate, 'versionRank' | 'agreementLink'>;
}

export interface RequestPageQuery {
  partnerId: string;
  customerId: string;
  /** Statuses as callers see them (EXPIRED included); null for all. */
  statuses: readonly AcceptanceRequestStatus[] | null;
  now: Date;
}

/** Fields the signing page's answer sets, in one conditional statement. */
export type AnswerChanges = Partial<Pick<AcceptanceRequest,
  'status' | 'answeredAt' | 'declineReason' | 'dateAgreed' | 'evidenceDocumentUri' | 'evidenceTypedName' | 'evidenceClientAddressHash' | 'evidenceUserAgent'>>;

export class AcceptanceRequestRepository {
  insert(em: EntityManager, request: AcceptanceRequest): Promise<unknown> {
    return em.insert(AcceptanceRequest, request);
  }

  /** The partner's request with this id, locked for the transaction; null when it is not the partner's. */
  lockOfPartner(em: EntityManager, partnerId: string, id: string): Promise<AcceptanceRequest | null> {
    return forUpdate(em.createQueryBuilder(AcceptanceRequest, 'r').where('r.id = :id AND r.partnerId = :partnerId', { id, partnerId })).getOne();
  }

  /** The partner's request with this id, not locked (to find the customer to lock first). */
  ofPartner(em: EntityManager, partnerId: string, id: string): Promise<AcceptanceRequest | null> {
    return em.createQueryBuilder(AcceptanceRequest, 'r').where('r.id = :id AND r.partnerId = :partnerId', { id, partnerId }).getOne();
  }

  /** The newest open request (PENDING before its expiry, or SIGNED) of the partner for the customer and type. */
  openFor(em: EntityManager, partnerId: string, customerId: string, agreementType: string, now: Date): Promise<AcceptanceRequest | null> {
    return em
      .createQueryBuilder(AcceptanceRequest, 'r')
      .where('r.partnerId = :partnerId AND r.customerId = :customerId AND r.agreementType = :agreementType', { partnerId, customerId, agreementType })
      .andWhere('(r.status = :signed OR (r.status = :pending AND r.expiresAt > :now))', { signed: SIGNED, pending: PENDING, now })
      .orderBy('r.createdAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .getOne();
  }

  /** The open requests of the partner for these customers and type, newest first: one statement. */
  openForCustomers(em: EntityManager, partnerId: string, customerIds: readonly string[], agreementType: string, now: Date): Promise<AcceptanceRequest[]> {
    if (customerIds.length === 0) return Promise.resolve([]);
    return em
      .createQueryBuilder(AcceptanceRequest, 'r')
      .where('r.partnerId = :partnerId AND r.customerId IN (:...customerIds) AND r.agreementType = :agreementType', { partnerId, customerIds, agreementType })
      .andWhere('(r.status = :signed OR (r.status = :pending AND r.expiresAt > :now))', { signed: SIGNED, pending: PENDING, now })
      .orderBy('r.createdAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .getMany();
  }

  /** A page of the partner's requests for a customer, newest first, from after the cursor (createdAt, id). */
  page(em: EntityManager, query: RequestPageQuery, after: { createdAt: Date; id: string } | null, limit: number): Promise<AcceptanceRequest[]> {
    const qb = this.filtered(em, query);
    if (after) qb.andWhere('(r.createdAt < :afterAt OR (r.createdAt = :afterAt AND r.id < :afterId))', { afterAt: after.createdAt, afterId: after.id });
    return qb.orderBy('r.createdAt', 'DESC').addOrderBy('r.id', 'DESC').limit(limit).getMany();
  }

  count(em: EntityManager, query: RequestPageQuery): Promise<number> {
    return this.filtered(em, query).getCount();
  }

  /**
   * The request whose link has this token hash, with the names its page shows; null when none has it.
   * One statement, its text kept and its row made into entities directly, so that a link that is
   * found costs next to nothing more than one that is not (no way to tell them apart by time).
   */
  async withNames(em: EntityManager, tokenHash: string, lock = false): Promise<RequestWithNames | null> {
    const qb = em
      .createQueryBuilder(AcceptanceRequest, 'r')
      .innerJoinAndMapOne('r.partner', Partner, 'p', 'p.id = r.partnerId')
      .innerJoinAndMapOne('r.customer', Customer, 'c', 'c.id = r.customerId')
      .innerJoinAndMapOne('r.template', AgreementTemplate, 't', 't.templateId = r.templateId')
      .where('r.tokenHash = :tokenHash', { tokenHash });
    type Joined = AcceptanceRequest & { partner: Partner; customer: Customer; template: AgreementTemplate };
    const [found] = lock
      ? [(await forUpdate(qb).getOne()) as Joined | null]
      : ((await oneToOneRows(em, qb, 'acceptance request by token hash', { alias: 'r', entity: AcceptanceRequest }, {
          partner: { alias: 'p', entity: Partner },
          customer: { alias: 'c', entity: Customer },
          template: { alias: 't', entity: AgreementTemplate },
        })) as Joined[]);
    if (!found) return null;
    const { partner, customer, template, ...request } = found;
    return {
      request: Object.assign(new AcceptanceRequest(), request),
      partner: { name: partner.name, type: partner.type, cloud: partner.cloud },
      customerCompanyName: customer.companyName,
      template: { versionRank: template.versionRank, agreementLink: template.agreementLink },
    };
  }

  /**
   * Records an answer only while the request is PENDING and `now` is before its expiry, in one
   * statement: of two answers at the same instant exactly one changes the row. Whether this one did.
   */
  async answer(em: EntityManager, id: string, changes: AnswerChanges, now: Date): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(AcceptanceRequest)
      .set(changes)
      .where('id = :id AND status = :pending AND expires_at > :now', { id, pending: PENDING, now })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  update(em: EntityManager, id: string, changes: Partial<AcceptanceRequest>): Promise<unknown> {
    return em.update(AcceptanceRequest, { id }, changes);
  }

  /** Marks the link's e-mail as sent, once: false when it was already (or the link was renewed meanwhile). */
  async markEmailSent(em: EntityManager, id: string, tokenHash: string, at: Date): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(AcceptanceRequest)
      .set({ emailSentAt: at, emailAttempts: () => 'email_attempts + 1' })
      .where('id = :id AND token_hash = :tokenHash AND email_sent_at IS NULL', { id, tokenHash })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Counts a failed send of the link's e-mail. */
  async countEmailFailure(em: EntityManager, id: string, tokenHash: string): Promise<void> {
    await em
      .createQueryBuilder()
      .update(AcceptanceRequest)
      .set({ emailAttempts: () => 'email_attempts + 1' })
      .where('id = :id AND token_hash = :tokenHash AND email_sent_at IS NULL', { id, tokenHash })
      .execute();
  }

  /** The request's e-mail state for the link with this hash: null when the link was renewed (or is unknown). */
  emailState(em: EntityManager, id: string, tokenHash: string): Promise<AcceptanceRequest | null> {
    return em.createQueryBuilder(AcceptanceRequest, 'r').where('r.id = :id AND r.tokenHash = :tokenHash', { id, tokenHash }).getOne();
  }

  private filtered(em: EntityManager, query: RequestPageQuery) {
    const qb = em
      .createQueryBuilder(AcceptanceRequest, 'r')
      .where('r.partnerId = :partnerId AND r.customerId = :customerId', { partnerId: query.partnerId, customerId: query.customerId });
    if (query.statuses) {
      // EXPIRED is a PENDING request past its expiry; PENDING only one before it.
      const stored = query.statuses.filter((s) => s !== PENDING && s !== EXPIRED);
      const parts: string[] = [];
      if (stored.length > 0) parts.push('r.status IN (:...stored)');
      if (query.statuses.includes(PENDING)) parts.push('(r.status = :pending AND r.expiresAt > :now)');
      if (query.statuses.includes(EXPIRED)) parts.push('(r.status = :pending AND r.expiresAt <= :now)');
      qb.andWhere(parts.length > 0 ? `(${parts.join(' OR ')})` : '1 = 0', { stored, pending: PENDING, now: query.now });
    }
    return qb;
  }
}
