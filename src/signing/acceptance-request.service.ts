import { createHmac, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type Acceptance, AcceptanceChannel, AcceptanceMethod } from '../acceptances/acceptance.entity';
import { type AcceptanceService, requireAgreementApplies } from '../acceptances/acceptance.service';
import type { AgreementCatalogue } from '../agreements/agreement-catalogue';
import type { AgreementType } from '../agreements/agreement.entity';
import { DEFAULT_LANGUAGE, requireLanguage } from '../agreements/documents';
import { templateToAccept } from '../agreements/templates';
import type { AuditTrail } from '../audit/audit-trail';
import { type Caller, requireAccess } from '../auth/caller';
import { Operation, type Role } from '../auth/roles';
import { type ContactInput, validContact } from '../customers/contact';
import type { CustomerRepository } from '../customers/customer.repository';
import type { Partner } from '../partners/partner.entity';
import type { Clock } from '../shared/clock';
import { badInput, DomainError, ErrorCode, notFound } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { type Connection, connectionOf, decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize } from '../shared/pagination';
import type { Database } from '../shared/unit-of-work';
import { requireId } from '../shared/validation';
import { ChangeReason } from '../status/outbox';
import { AcceptanceRequest, AcceptanceRequestStatus, FinalizeMode, isOpen, statusAt } from './acceptance-request.entity';
import type { AcceptanceRequestRepository, AnswerChanges } from './acceptance-request.repository';
import type { SigningConfig } from './signing-config';
import type { SigningMailer } from './signing-mailer';
import type { AcceptEvidence, AnswerEvidence, SigningPort, SigningRequestView } from './signing-port';
import { viewOf } from './signing-view';
import { hashSigningToken, newSigningToken, signingUrl } from './signing-token';

const { PENDING, SIGNED, FINALIZED, DECLINED, CANCELLED } = AcceptanceRequestStatus;

export const MIN_EXPIRY_MINUTES = 5;
export const MAX_EXPIRY_MINUTES = 10080;
const DEFAULT_PAGE = 50;

/** What a partner sends to ask for a customer's acceptance (RequestCustomerAcceptanceInput). */
export interface NewAcceptanceRequest {
  customerId: string;
  templateId?: string | null;
  signatory?: ContactInput | null;
  country: string;
  language?: string | null;
  expiresInMinutes?: number | null;
  finalize?: FinalizeMode | null;
  sendEmail?: boolean | null;
}

/** A request as a mutation returns it: with its link, which only the mutation that made it knows. */
export type RequestWithLink = AcceptanceRequest & { signingUrl: string | null };

const REGIONS = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/**
 * Customer-signed acceptance (README, "Customer-signed acceptance"): a partner
 * asks the customer's signatory to accept a version through a link; the
 * signatory answers on the signing page (the `SigningPort` this service also
 * is); the acceptance is recorded then (AUTOMATIC) or when the partner
 * finalizes (BY_PARTNER), through the acceptances' one write path.
 */
/** What a new request holds before any answer, evidence or e-mail. */
const UNANSWERED = {
  answeredAt: null,
  declineReason: null,
  dateAgreed: null,
  evidenceDocumentUri: null,
  evidenceTypedName: null,
  evidenceClientAddressHash: null,
  evidenceUserAgent: null,
  acceptanceId: null,
  emailSentAt: null,
  emailAttempts: 0,
} satisfies Partial<AcceptanceRequest>;

export class AcceptanceRequestService implements SigningPort {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly catalogue: AgreementCatalogue,
    private readonly acceptances: AcceptanceService,
    private readonly customers: CustomerRepository,
    private readonly requests: AcceptanceRequestRepository,
    private readonly signing: SigningConfig,
    private readonly mailer: SigningMailer | null,
    private readonly logger: Logger,
  ) {}

  /** requestCustomerAcceptance: a new PENDING request and its link. */
  request(em: EntityManager, caller: Caller, input: NewAcceptanceRequest): Promise<RequestWithLink> {
    const operation = Operation.REQUEST_CUSTOMER_ACCEPTANCE;
    return this.audit.attempt(
      em,
      caller,
      operation,
      { customerId: input.customerId },
      async (tx) => {
        const role = requireAccess(caller, operation);
        requireAgreementApplies(caller);
        const customerId = requireId(input.customerId, 'input.customerId');
        const country = countryOf(input.country);
        const expiresInMinutes = expiryOf(input.expiresInMinutes, 'input.expiresInMinutes');
        const signatory = input.signatory ? validContact(input.signatory, 'input.signatory') : null;
        const language = input.language === null || input.language === undefined ? null : requireLanguage(input.language.trim(), 'input.language');
        const sendEmail = this.emailWanted(input.sendEmail);
        const customer = await this.customers.lockRelated(tx, caller.partner.id, customerId);
        if (!customer) throw notFound('Customer', customerId, 'input.customerId');
        const agreements = await this.catalogue.current(tx);
        const template = templateToAccept(agreements.templates, input.templateId, 'input.templateId', this.catalogue.today());
        const now = this.clock.now();
        const open = await this.requests.openFor(tx, caller.partner.id, customerId, template.type, now);
        if (open) {
          throw new DomainError(
            ErrorCode.ACCEPTANCE_REQUEST_OPEN,
            `Acceptance request ${open.id} for this customer and agreement type is still open (${statusAt(open, now)}); cancel it or wait for its answer first.`,
            'input.customerId',
          );
        }
        // The version's text for the country and language (without a language: the country's first);
        // a version without documents shows its agreement link.
        const document = await this.catalogue.documentFor(tx, template.templateId, country, language);
        const requestLanguage = language ?? document?.language ?? DEFAULT_LANGUAGE;
        const { token, tokenHash } = newSigningToken();
        const request = Object.assign(new AcceptanceRequest(), {
          id: randomUUID(),
          partnerId: caller.partner.id,
          customerId,
          templateId: template.templateId,
          agreementType: template.type,
          signatory: signatory ?? customer.primaryContact,
          country,
          language: requestLanguage,
          status: PENDING,
          finalize: input.finalize ?? FinalizeMode.AUTOMATIC,
          documentUri: document?.displayUri ?? template.agreementLink,
          tokenHash,
          expiresAt: new Date(now.getTime() + expiresInMinutes * 60_000),
          createdAt: now,
          createdBy: { userId: caller.userId, role: role as Role },
          ...UNANSWERED,
          emailRequested: sendEmail,
        } satisfies Omit<AcceptanceRequest, never>);
        await this.requests.insert(tx, request);
        if (sendEmail) this.mailAfterCommit(tx, request, token);
        return Object.assign(request, { signingUrl: signingUrl(this.signing.baseUrl, token) });
      },
      (made) => ({ customerId: made.customerId }),
    );
  }

  /** renewAcceptanceRequest: a new link for a PENDING request (the old one stops working), its expiry started again. */
  renew(em: EntityManager, caller: Caller, id: string, expiresInMinutes: number | null | undefined, sendEmail: boolean | null | undefined): Promise<RequestWithLink> {
    return this.change(em, caller, Operation.RENEW_ACCEPTANCE_REQUEST, id, async (tx, request, now) => {
      const minutes = expiryOf(expiresInMinutes, 'expiresInMinutes');
      const email = this.emailWanted(sendEmail);
      if (statusAt(request, now) !== PENDING) throw closed(request, now, 'renewed', 'PENDING');
      const { token, tokenHash } = newSigningToken();
      const changes = { tokenHash, expiresAt: new Date(now.getTime() + minutes * 60_000), emailRequested: email, emailSentAt: null, emailAttempts: 0 };
      await this.requests.update(tx, request.id, changes);
      const renewed = Object.assign(request, changes);
      if (email) this.mailAfterCommit(tx, renewed, token);
      return Object.assign(renewed, { signingUrl: signingUrl(this.signing.baseUrl, token) });
    });
  }

  /** cancelAcceptanceRequest: withdraws a PENDING or SIGNED request; its link stops working. */
  cancel(em: EntityManager, caller: Caller, id: string): Promise<RequestWithLink> {
    return this.change(em, caller, Operation.CANCEL_ACCEPTANCE_REQUEST, id, async (tx, request, now) => {
      if (!isOpen(request, now)) throw closed(request, now, 'cancelled', 'PENDING or SIGNED');
      await this.requests.update(tx, request.id, { status: CANCELLED });
      return Object.assign(request, { status: CANCELLED, signingUrl: null });
    });
  }

  /** finalizeAcceptanceRequest: records the acceptance of a SIGNED request, under every rule a confirmation has. */
  finalize(em: EntityManager, caller: Caller, id: string): Promise<RequestWithLink & { acceptance?: Acceptance }> {
    return this.change(em, caller, Operation.FINALIZE_ACCEPTANCE_REQUEST, id, async (tx, request, now) => {
      if (statusAt(request, now) !== SIGNED) throw closed(request, now, 'finalized', 'SIGNED');
      const role = requireAccess(caller, Operation.FINALIZE_ACCEPTANCE_REQUEST);
      const acceptance = await this.record(tx, request, caller.partner, { userId: caller.userId, role }, 'id');
      return Object.assign(request, { status: FINALIZED, acceptanceId: acceptance.id, signingUrl: null });
    });
  }

  /** The caller's partner's requests for a customer (already known to be related), newest first. */
  async list(
    em: EntityManager,
    caller: Caller,
    customerId: string,
    args: { statuses: readonly AcceptanceRequestStatus[] | null; first: number | null; after: string | null },
  ): Promise<Connection<AcceptanceRequest>> {
    const size = pageSize(args.first, DEFAULT_PAGE, MAX_PAGE_SIZE);
    const query = { partnerId: caller.partner.id, customerId, statuses: args.statuses && args.statuses.length > 0 ? args.statuses : null, now: this.clock.now() };
    const after = args.after ? decodeCursor(args.after, ['instant', 'string']) : null;
    const rows = await this.requests.page(em, query, after ? { createdAt: new Date(after[0] as string), id: after[1] as string } : null, size + 1);
    return connectionOf(rows, size, (r) => encodeCursor([r.createdAt.toISOString(), r.id]), after !== null, () => this.requests.count(em, query));
  }

  /** The newest open request of the caller's partner for each customer, of one type (for `AgreementStatus.openRequest`). */
  async openRequests(em: EntityManager, caller: Caller, customerIds: readonly string[], type: AgreementType): Promise<(AcceptanceRequest | null)[]> {
    const rows = await this.requests.openForCustomers(em, caller.partner.id, customerIds, type, this.clock.now());
    const newest = new Map<string, AcceptanceRequest>();
    for (const row of rows) if (!newest.has(row.customerId)) newest.set(row.customerId, row);
    return customerIds.map((id) => newest.get(id) ?? null);
  }

  /**
   * The demo data's pending request (`npm run cli -- demo`, `npm start` on an empty
   * embedded database): its link's token is derived from the signing secret, so
   * that `npm start` can print the link each time without the token being stored.
   * Added once; a request with its id is left as it is.
   */
  async addDemoRequest(demo: { id: string; partnerId: string; customerId: string; userId: string }): Promise<void> {
    await this.db.write(async (em) => {
      if (await this.requests.ofPartner(em, demo.partnerId, demo.id)) return;
      const customer = await this.customers.lockRelated(em, demo.partnerId, demo.customerId);
      if (!customer) return;
      const template = templateToAccept((await this.catalogue.current(em)).templates, null, 'templateId', this.catalogue.today());
      const document = await this.catalogue.documentFor(em, template.templateId, 'DE', 'de-DE');
      const now = this.clock.now();
      await this.requests.insert(
        em,
        Object.assign(new AcceptanceRequest(), {
          id: demo.id,
          partnerId: demo.partnerId,
          customerId: demo.customerId,
          templateId: template.templateId,
          agreementType: template.type,
          signatory: customer.primaryContact,
          country: 'DE',
          language: 'de-DE',
          status: PENDING,
          finalize: FinalizeMode.AUTOMATIC,
          documentUri: document?.displayUri ?? template.agreementLink,
          tokenHash: hashSigningToken(this.demoToken()),
          expiresAt: new Date(now.getTime() + MAX_EXPIRY_MINUTES * 60_000),
          createdAt: now,
          createdBy: { userId: demo.userId, role: 'ADMIN_AGENT' as Role },
          ...UNANSWERED,
          emailRequested: false,
        }),
      );
    });
  }

  /** The demo request's link on this server. */
  demoSigningUrl(): string {
    return signingUrl(this.signing.baseUrl, this.demoToken());
  }

  private demoToken(): string {
    return createHmac('sha256', this.signing.secret).update('demo acceptance request').digest('base64url');
  }

  /** The status as callers see it now. */
  statusOf(request: AcceptanceRequest): AcceptanceRequestStatus {
    return statusAt(request, this.clock.now());
  }

  // The signing page's port: the signatory's side.

  async find(tokenHash: string): Promise<SigningRequestView | null> {
    const found = await this.db.read((em) => this.requests.withNames(em, tokenHash));
    return found ? viewOf(found) : null;
  }

  accept(tokenHash: string, evidence: AcceptEvidence): Promise<SigningRequestView | null> {
    return this.answer(
      tokenHash,
      evidence,
      {
        status: SIGNED,
        answeredAt: evidence.at,
        dateAgreed: evidence.dateAgreed,
        evidenceTypedName: evidence.typedName,
      },
      'ACCEPT_ACCEPTANCE_REQUEST',
      { typedName: evidence.typedName, dateAgreed: evidence.dateAgreed },
    );
  }

  decline(tokenHash: string, reason: string | null, evidence: AnswerEvidence): Promise<SigningRequestView | null> {
    return this.answer(tokenHash, evidence, { status: DECLINED, answeredAt: evidence.at, declineReason: reason }, 'DECLINE_ACCEPTANCE_REQUEST', { declineReason: reason });
  }

  /**
   * One answer, in one transaction: the relationship is locked (as every write for the customer
   * does), then the request changes only if it is still PENDING and unexpired, in one conditional
   * statement, so that of two answers at the same instant one counts. AUTOMATIC then records the
   * acceptance in the same transaction; should a rule refuse it now (the duplicate rule, a version
   * retired since), the request stays SIGNED for the partner to see and finalize.
   */
  private async answer(
    tokenHash: string,
    evidence: AnswerEvidence,
    changes: AnswerChanges,
    operation: string,
    details: Record<string, unknown>,
  ): Promise<SigningRequestView | null> {
    return this.db.write(async (em) => {
      const found = await this.requests.withNames(em, tokenHash);
      if (!found) return null;
      const { request, partner } = found;
      await this.customers.lockRelated(em, request.partnerId, request.customerId);
      const answered = await this.requests.answer(
        em,
        request.id,
        { ...changes, evidenceDocumentUri: evidence.documentUri, evidenceClientAddressHash: evidence.clientAddressHash, evidenceUserAgent: evidence.userAgent },
        evidence.at,
      );
      if (!answered) {
        const now = await this.requests.withNames(em, tokenHash, true);
        return now && [SIGNED, FINALIZED, DECLINED].includes(now.request.status) ? viewOf(now) : null;
      }
      let acceptanceId: string | null = null;
      if (changes.status === SIGNED && request.finalize === FinalizeMode.AUTOMATIC) {
        const signed = Object.assign(request, changes);
        try {
          acceptanceId = await em.transaction(async (tx) => (await this.record(tx, signed, { id: request.partnerId, ...partner }, request.createdBy, null)).id);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          this.logger.warn({ acceptanceRequestId: request.id, code: error.code }, 'the signed request could not be recorded at once; it waits for the partner to finalize');
        }
      }
      await this.audit.recordAnswer(em, {
        partnerId: request.partnerId,
        customerId: request.customerId,
        requestId: request.id,
        operation,
        acceptanceId,
        evidence: {
          documentUri: evidence.documentUri,
          at: evidence.at.toISOString(),
          clientAddressHash: evidence.clientAddressHash,
          userAgent: evidence.userAgent,
          ...details,
        },
      });
      const after = await this.requests.withNames(em, tokenHash);
      return after ? viewOf(after) : null;
    });
  }

  /**
   * Records the acceptance a signed request stands for (method CUSTOMER_SIGNED, channel SIGNING_LINK):
   * the partner type, cloud, version and duplicate rules as they are now; the request FINALIZED with it.
   */
  private async record(
    em: EntityManager,
    request: AcceptanceRequest,
    partner: Pick<Partner, 'id' | 'type' | 'cloud'>,
    recordedBy: { userId: string; role: Role },
    path: string | null,
  ): Promise<Acceptance> {
    requireAgreementApplies({ partner: partner as Partner });
    const field = path ?? 'templateId';
    const agreements = await this.catalogue.current(em);
    const template = templateToAccept(agreements.templates, request.templateId, field, this.catalogue.today());
    const now = this.clock.now();
    const [acceptance] = await this.acceptances.appendAll(
      em,
      agreements,
      [
        {
          id: randomUUID(),
          customerId: request.customerId,
          partnerId: request.partnerId,
          templateId: template.templateId,
          method: AcceptanceMethod.CUSTOMER_SIGNED,
          channel: AcceptanceChannel.SIGNING_LINK,
          scenario: null,
          acceptedBy: request.signatory,
          dateAgreed: request.dateAgreed ?? (request.answeredAt ?? now).toISOString().slice(0, 10),
          recordedBy,
          recordedAt: now,
        },
      ],
      { clouds: new Map([[request.partnerId, partner.cloud]]), reason: ChangeReason.REQUEST_FINALIZED },
    );
    await this.requests.update(em, request.id, { status: FINALIZED, acceptanceId: acceptance.id });
    return acceptance;
  }

  /** One audited change of one of the caller's partner's requests, under the customer's lock. */
  private change(
    em: EntityManager,
    caller: Caller,
    operation: Operation,
    id: string,
    work: (tx: EntityManager, request: AcceptanceRequest, now: Date) => Promise<RequestWithLink>,
  ): Promise<RequestWithLink> {
    return this.audit.attempt(
      em,
      caller,
      operation,
      {},
      async (tx, named) => {
        requireAccess(caller, operation);
        requireAgreementApplies(caller);
        const requestId = requireId(id, 'id');
        const seen = await this.requests.ofPartner(tx, caller.partner.id, requestId);
        if (!seen) throw notFound('Acceptance request', requestId, 'id');
        named.customerId = seen.customerId;
        await this.customers.lockRelated(tx, caller.partner.id, seen.customerId);
        const request = (await this.requests.lockOfPartner(tx, caller.partner.id, requestId))!;
        return work(tx, request, this.clock.now());
      },
      (changed) => ({ customerId: changed.customerId, acceptanceId: changed.status === FINALIZED ? changed.acceptanceId : null }),
    );
  }

  private emailWanted(sendEmail: boolean | null | undefined): boolean {
    if (!sendEmail) return false;
    if (!this.mailer) {
      throw new DomainError(
        ErrorCode.EMAIL_NOT_CONFIGURED,
        'sendEmail: this server has no SMTP server configured (SMTP_URL); deliver signingUrl to the signatory yourself.',
        'sendEmail',
      );
    }
    return true;
  }

  /** The link's e-mail goes out once the request is committed (never for one that is not). */
  private mailAfterCommit(em: EntityManager, request: AcceptanceRequest, token: string): void {
    const mailer = this.mailer!;
    this.db.afterCommit(em, () => mailer.send(request.id, token));
  }
}

function closed(request: AcceptanceRequest, now: Date, done: string, allowed: string): DomainError {
  return new DomainError(
    ErrorCode.ACCEPTANCE_REQUEST_CLOSED,
    `Acceptance request ${request.id} is ${statusAt(request, now)}; only a ${allowed} request can be ${done}.`,
    'id',
  );
}

function expiryOf(value: number | null | undefined, field: string): number {
  const minutes = value ?? MAX_EXPIRY_MINUTES;
  if (!Number.isInteger(minutes) || minutes < MIN_EXPIRY_MINUTES || minutes > MAX_EXPIRY_MINUTES) {
    throw badInput(field, `must be a whole number of minutes from ${MIN_EXPIRY_MINUTES} to ${MAX_EXPIRY_MINUTES} (seven days).`);
  }
  return minutes;
}

function countryOf(value: string): string {
  const country = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!/^[A-Z]{2}$/.test(country) || REGIONS.of(country) === undefined) {
    throw badInput('input.country', 'must be an ISO 3166-1 alpha-2 country code, such as DE or KR.');
  }
  return country;
}
