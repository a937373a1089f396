/**
 * What the benchmark's two reference servers share: the baseline
 * (baseline.ts, plain node:http) and the peer (plain-apollo.ts, Apollo Server
 * with graphql-js and DataLoader). Hand-written SQL over the API's own tables
 * (its migrated schema and indexes) and the API's rules, written again by
 * hand, so that the three servers differ in how they serve a request, not in
 * what they ask of the database:
 *
 * - sign-in: the token verified with jose (HS256, the same claims and clock
 *   tolerance) once and kept until it expires, the partner kept for
 *   PARTNER_CACHE_SECONDS, as the API keeps them;
 * - the agreement versions and re-acceptance rules kept for
 *   AGREEMENT_CACHE_SECONDS, and the status rule over them;
 * - the page (its status condition in SQL), totalCount from status_counts,
 *   one customer with its current acceptance and that record;
 * - the confirmation: checks, the relationship row locked, the duplicate and
 *   current-record rules, the record appended, current_acceptances and
 *   status_counts moved, the ACCEPTANCE_RECORDED and AGREEMENT_STATUS_CHANGED
 *   outbox rows, and (when asked) the audit event, chained after commit.
 *
 * Environment: BENCH_DATABASE_URL, JWT_SECRET, PARTNER_CACHE_SECONDS, AGREEMENT_CACHE_SECONDS.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { jwtVerify } from 'jose';
import { createPool, type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise';
import { GENESIS_HASH, hashOf } from '../../src/audit/chain';
import { MCA, type ContactJson } from './scenarios';

export interface Partner {
  id: string;
  type: string;
  cloud: string;
}

export interface Caller {
  userId: string;
  roles: string[];
  partner: Partner;
}

/** A refusal with its GraphQL error code. */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 200,
  ) {
    super(message);
  }
}

const KNOWN_ROLES = new Set(['GLOBAL_ADMIN', 'ADMIN_AGENT', 'SALES_AGENT', 'HELPDESK_AGENT']);
/** Who may confirm and read acceptance records, in the order the role used is picked. */
export const SELLERS = ['ADMIN_AGENT', 'SALES_AGENT'];
const TRANSACTING = new Set(['DIRECT_BILL', 'INDIRECT_PROVIDER']);
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
const PHONE = /^[0-9 +\-().]*[0-9][0-9 +\-().]*$/;
// Control and format characters, but the joiners ZWNJ and ZWJ.
const CONTROL = /\p{Cc}|(?![\u200c\u200d])\p{Cf}/u;
const UTC_PLUS_14_MS = 14 * 3_600_000;
const CLOCK_TOLERANCE_SECONDS = 30;
const VERIFIED_TOKENS = 10_000;
const SHARDS = 32;
const CHAIN_BATCH = 500;
const CHAIN_DELAY_MS = 50;

const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback) * 1000;

/** Today as the rules count it: the latest date begun anywhere (UTC+14). */
export const today = (now = new Date()) => new Date(now.getTime() + UTC_PLUS_14_MS).toISOString().slice(0, 10);

// ---------------------------------------------------------------- input

export function requireRole(caller: Caller, roles: readonly string[], what: string): string {
  const role = roles.find((r) => caller.roles.includes(r));
  if (!role) throw new Refusal('FORBIDDEN', `To ${what} you need one of the roles ${roles.join(', ')}.`);
  return role;
}

export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new Refusal('BAD_USER_INPUT', `${field} is not a valid id.`);
  return value;
}

function requireText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || !value.isWellFormed()) throw new Refusal('BAD_USER_INPUT', `${field} is required.`);
  const text = value.trim();
  if (text === '' || CONTROL.test(text) || [...text].length > max) throw new Refusal('BAD_USER_INPUT', `${field} is not valid.`);
  return text;
}

function validContact(input: unknown, field: string): ContactJson {
  const c = (input ?? {}) as Record<string, unknown>;
  const firstName = requireText(c.firstName, `${field}.firstName`, 100);
  const lastName = requireText(c.lastName, `${field}.lastName`, 100);
  const email = requireText(c.email, `${field}.email`, 254);
  if (!EMAIL.test(email)) throw new Refusal('BAD_USER_INPUT', `${field}.email is not a valid e-mail address.`);
  const given = c.phoneNumber;
  if (given !== null && given !== undefined && typeof given !== 'string') throw new Refusal('BAD_USER_INPUT', `${field}.phoneNumber`);
  const phoneNumber = typeof given === 'string' && given.trim() ? requireText(given, `${field}.phoneNumber`, 32) : null;
  if (phoneNumber !== null && !PHONE.test(phoneNumber)) throw new Refusal('BAD_USER_INPUT', `${field}.phoneNumber`);
  return { firstName, lastName, email, phoneNumber };
}

/** A real calendar date, YYYY-MM-DD. */
export function requireDate(value: unknown, field: string): string {
  const match = typeof value === 'string' ? DATE.exec(value) : null;
  const day = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!match || !day || day.toISOString().slice(0, 10) !== value) throw new Refusal('BAD_USER_INPUT', `${field} is not a date.`);
  return value as string;
}

const fold = (value: string | null | undefined) => (value ?? '').trim().replace(/[\u200c\u200d]/g, '').normalize('NFC').toLowerCase();
const sameSignatory = (a: ContactJson, b: ContactJson) =>
  fold(a.firstName) === fold(b.firstName) &&
  fold(a.lastName) === fold(b.lastName) &&
  fold(a.email) === fold(b.email) &&
  fold(a.phoneNumber) === fold(b.phoneNumber);

// ---------------------------------------------------------------- database

export function openPool(): Pool {
  const url = new URL(process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/mca_bench');
  return createPool({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    connectionLimit: 10,
    charset: 'UTF8MB4_BIN',
    timezone: 'Z',
    dateStrings: ['DATE'],
  });
}

/** A fixed statement, prepared once per connection. */
async function rows(db: Pool | PoolConnection, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  const [result] = await db.execute<RowDataPacket[]>(sql, params as never[]);
  return result;
}

/** A statement whose text varies (lists, multi-row inserts): sent as text, not prepared. */
async function text(db: Pool | PoolConnection, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  const [result] = await db.query<RowDataPacket[]>(sql, params);
  return result;
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

// ---------------------------------------------------------------- sign-in

/** The caller of an `Authorization` header: the token verified once and kept until it expires; the partner kept for a while. */
export function createAuthenticator(pool: Pool, secret: Uint8Array): (authorization: string | undefined) => Promise<Caller> {
  const verified = new Map<string, { claims: { partnerId: string; userId: string; roles: string[] }; until: number }>();
  const partners = new Map<string, { partner: Partner; until: number }>();
  const partnerTtlMs = seconds('PARTNER_CACHE_SECONDS', 5);
  return async (authorization) => {
    const match = authorization ? /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(authorization.trim()) : null;
    if (!match) throw new Refusal('UNAUTHENTICATED', 'Sign in.', 401);
    const token = match[1];
    let known = verified.get(token);
    if (!known || known.until <= Date.now()) {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], clockTolerance: CLOCK_TOLERANCE_SECONDS, requiredClaims: ['exp'] }));
      } catch {
        verified.delete(token);
        throw new Refusal('UNAUTHENTICATED', 'The token was refused.', 401);
      }
      const userId = typeof payload.oid === 'string' && payload.oid ? payload.oid : payload.sub;
      const roles = payload.roles ?? [];
      if (typeof payload.tid !== 'string' || !payload.tid || typeof userId !== 'string' || !userId || userId.length > 128 || !Array.isArray(roles)) {
        throw new Refusal('UNAUTHENTICATED', 'The token lacks tid, oid or roles.', 401);
      }
      known = {
        claims: { partnerId: payload.tid, userId, roles: [...new Set((roles as unknown[]).filter((r): r is string => typeof r === 'string' && KNOWN_ROLES.has(r)))] },
        until: (payload.exp! + CLOCK_TOLERANCE_SECONDS) * 1000,
      };
      if (verified.size >= VERIFIED_TOKENS) verified.delete(verified.keys().next().value!);
      verified.set(token, known);
    }
    const { partnerId, userId, roles } = known.claims;
    let partner = partners.get(partnerId);
    if (!partner || partner.until <= Date.now()) {
      const [row] = await rows(pool, 'SELECT id, type, cloud FROM partners WHERE id = ?', [partnerId]);
      if (!row) throw new Refusal('UNAUTHENTICATED', 'Unknown partner.', 401);
      partner = { partner: { id: row.id, type: row.type, cloud: row.cloud }, until: Date.now() + partnerTtlMs };
      if (partnerTtlMs > 0) partners.set(partnerId, partner);
    }
    return { userId, roles, partner: partner.partner };
  };
}

// ---------------------------------------------------------------- agreements and the status rule

interface Template {
  id: string;
  type: string;
  rank: number;
  effectiveDate: string;
  retired: boolean;
  /** Its re-acceptance rule, active or not. */
  rule: { acceptedBefore: string; outdatedFrom: string; active: boolean } | null;
}

/** What every status of a type rests on today. */
export interface Basis {
  latest: Template | null;
  /** The latest version's active rule. */
  rule: { outdatedFrom: string } | null;
  nextVersionFrom: string | null;
  today: string;
}

/** Where a customer stands: its current template and whether under that template's rule; null without a current acceptance. */
export interface Standing {
  templateId: string;
  acceptedBeforeRule: boolean;
}

const AGREEMENTS =
  'SELECT t.id, t.type, t.version_rank, t.effective_date, t.retired, r.accepted_before, r.outdated_from, r.activated_at ' +
  'FROM agreement_templates t LEFT JOIN reacceptance_rules r ON r.template_id = t.id';

async function readAgreements(db: Pool | PoolConnection): Promise<Template[]> {
  return (await rows(db, AGREEMENTS, [])).map((r) => ({
    id: r.id,
    type: r.type,
    rank: Number(r.version_rank),
    effectiveDate: String(r.effective_date),
    retired: Boolean(r.retired),
    rule: r.accepted_before === null ? null : { acceptedBefore: String(r.accepted_before), outdatedFrom: String(r.outdated_from), active: r.activated_at !== null },
  }));
}

/** The version to accept today: non-retired, in effect, highest rank. */
function latestOf(templates: readonly Template[], type: string, day: string): Template | null {
  let latest: Template | null = null;
  for (const t of templates) if (t.type === type && !t.retired && t.effectiveDate <= day && (!latest || t.rank > latest.rank)) latest = t;
  return latest;
}

export function basisOf(templates: readonly Template[], type: string, day = today()): Basis {
  const latest = latestOf(templates, type, day);
  let next: Template | null = null;
  for (const t of templates) {
    if (t.type !== type || t.retired || t.effectiveDate <= day || (latest && t.rank <= latest.rank)) continue;
    if (!next || t.effectiveDate < next.effectiveDate) next = t;
  }
  const rule = latest?.rule?.active ? { outdatedFrom: latest.rule.outdatedFrom } : null;
  return { latest, rule, nextVersionFrom: next?.effectiveDate ?? null, today: day };
}

/** The status rule: NOT_APPLICABLE outside the public cloud, NOT_ACCEPTED without, ACCEPTED when of the latest version and not under its rule in effect, else OUTDATED. */
export function statusOf(cloud: string, standing: Standing | null, basis: Basis): { status: string; outdatedFrom: string | null } {
  if (cloud !== 'PUBLIC') return { status: 'NOT_APPLICABLE', outdatedFrom: null };
  if (standing === null) return { status: 'NOT_ACCEPTED', outdatedFrom: null };
  const underRule = basis.rule !== null && standing.acceptedBeforeRule;
  if (standing.templateId !== basis.latest?.id || (underRule && basis.rule!.outdatedFrom <= basis.today)) return { status: 'OUTDATED', outdatedFrom: null };
  const days = [basis.nextVersionFrom, underRule ? basis.rule!.outdatedFrom : null].filter((d): d is string => d !== null).sort();
  return { status: 'ACCEPTED', outdatedFrom: days[0] ?? null };
}

export const canTransact = (status: string) => status === 'ACCEPTED' || status === 'NOT_APPLICABLE';

/** The same rule as SQL over the page's `ca` columns: "the status is `status`". */
function statusCondition(status: string, cloud: string, basis: Basis): { sql: string; params: unknown[] } {
  if (cloud !== 'PUBLIC') return { sql: status === 'NOT_APPLICABLE' ? '1 = 1' : '1 = 0', params: [] };
  const ruleInEffect = basis.rule !== null && basis.rule.outdatedFrom <= basis.today;
  const accepted = basis.latest ? `ca.template_id = ?${ruleInEffect ? ' AND ca.accepted_before_rule = 0' : ''}` : null;
  const latest = basis.latest ? [basis.latest.id] : [];
  switch (status) {
    case 'NOT_ACCEPTED':
      return { sql: 'ca.template_id IS NULL', params: [] };
    case 'ACCEPTED':
      return accepted ? { sql: accepted, params: latest } : { sql: '1 = 0', params: [] };
    case 'OUTDATED':
      return accepted ? { sql: `ca.template_id IS NOT NULL AND NOT (${accepted})`, params: latest } : { sql: 'ca.template_id IS NOT NULL', params: [] };
    default:
      return { sql: '1 = 0', params: [] };
  }
}

/** A customer's status, as the API answers it, with the acceptance it rests on (for the guarded `acceptance` field). */
export interface StatusJson {
  status: string;
  canTransact: boolean;
  outdatedFrom: string | null;
  acceptanceId: string | null;
}

function statusJson(cloud: string, row: RowDataPacket, basis: Basis): StatusJson {
  const standing = row.template_id === null ? null : { templateId: row.template_id as string, acceptedBeforeRule: Boolean(row.accepted_before_rule) };
  const { status, outdatedFrom } = statusOf(cloud, standing, basis);
  return { status, canTransact: canTransact(status), outdatedFrom, acceptanceId: status === 'NOT_APPLICABLE' ? null : (row.acceptance_id ?? null) };
}

// ---------------------------------------------------------------- reads

export interface AcceptanceJson {
  id: string;
  customerId: string;
  dateAgreed: string;
  method: string;
  channel: string;
  acceptedBy: ContactJson;
  recordedBy: { userId: string; role: string };
  recordedAt: Date;
}

export interface CustomerRow {
  id: string;
  companyName: string;
  status: StatusJson;
  /** The record the status rests on (read with the customer by `customers`). */
  acceptance: AcceptanceJson | null;
}

const CURRENT_JOIN = 'LEFT JOIN current_acceptances ca ON ca.partner_id = pc.partner_id AND ca.customer_id = pc.customer_id AND ca.agreement_type = ?';
const RECORD_COLUMNS =
  'a.id AS a_id, a.customer_id AS a_customer_id, a.date_agreed, a.method, a.channel, a.accepted_by_first_name, a.accepted_by_last_name, ' +
  'a.accepted_by_email, a.accepted_by_phone_number, a.recorded_by_user_id, a.recorded_by_role, a.recorded_at';

const acceptanceOf = (r: RowDataPacket): AcceptanceJson => ({
  id: r.a_id,
  customerId: r.a_customer_id,
  dateAgreed: r.date_agreed,
  method: r.method,
  channel: r.channel,
  acceptedBy: { firstName: r.accepted_by_first_name, lastName: r.accepted_by_last_name, email: r.accepted_by_email, phoneNumber: r.accepted_by_phone_number },
  recordedBy: { userId: r.recorded_by_user_id, role: r.recorded_by_role },
  recordedAt: r.recorded_at,
});

/** Reads and the confirmation over one pool, with the agreements kept for AGREEMENT_CACHE_SECONDS. */
export class Store {
  private known: { templates: Promise<Template[]>; until: number } | null = null;
  private readonly agreementTtlMs = seconds('AGREEMENT_CACHE_SECONDS', 5);
  readonly chainer: AuditChainer;

  constructor(readonly pool: Pool) {
    this.chainer = new AuditChainer(pool);
  }

  /** Versions and rules as this process knows them (read again every AGREEMENT_CACHE_SECONDS). */
  private templates(): Promise<Template[]> {
    const now = Date.now();
    if (this.known && this.known.until > now) return this.known.templates;
    const templates = readAgreements(this.pool);
    templates.catch(() => (this.known = null));
    this.known = { templates, until: now + this.agreementTtlMs };
    return templates;
  }

  async basis(type: string): Promise<Basis> {
    return basisOf(await this.templates(), type);
  }

  /** A page of the partner's customers by sort key, each with its status; optionally only those of one status. One statement. */
  async page(caller: Caller, type: string, first: number, status: string | null): Promise<CustomerRow[]> {
    if (!Number.isInteger(first) || first < 1 || first > 500) throw new Refusal('BAD_USER_INPUT', 'first must be 1..500.');
    const basis = await this.basis(type);
    const { cloud } = caller.partner;
    const condition = status ? statusCondition(status, cloud, basis) : null;
    const found = await rows(
      this.pool,
      'SELECT c.id, c.company_name, ca.acceptance_id, ca.template_id, ca.accepted_before_rule FROM partner_customers pc ' +
        `JOIN customers c ON c.id = pc.customer_id ${CURRENT_JOIN} WHERE pc.partner_id = ?${condition ? ` AND (${condition.sql})` : ''} ` +
        // One more than the page: whether another page follows, as a connection must know.
        `ORDER BY pc.sort_name, pc.customer_id LIMIT ${first + 1}`,
      [type, caller.partner.id, ...(condition?.params ?? [])],
    );
    return found.slice(0, first).map((r) => ({ id: r.id, companyName: r.company_name, status: statusJson(cloud, r, basis), acceptance: null }));
  }

  /** totalCount: from the per-partner status counts, the rows whose standing has the status asked for (all when none). One statement. */
  async count(caller: Caller, type: string, status: string | null): Promise<number> {
    const basis = await this.basis(type);
    const counts = await rows(
      this.pool,
      'SELECT template_id, accepted_before_rule, SUM(customers) AS customers FROM status_counts ' +
        'WHERE partner_id = ? AND agreement_type = ? GROUP BY template_id, accepted_before_rule',
      [caller.partner.id, type],
    );
    let total = 0;
    for (const r of counts) {
      const standing = r.template_id === '' ? null : { templateId: r.template_id as string, acceptedBeforeRule: Boolean(r.accepted_before_rule) };
      if (status === null || statusOf(caller.partner.cloud, standing, basis).status === status) total += Number(r.customers);
    }
    return total;
  }

  /** The partner's customers among `ids`, each with its status and the record it rests on. One statement. */
  async customers(caller: Caller, type: string, ids: readonly string[]): Promise<CustomerRow[]> {
    const basis = await this.basis(type);
    const found = await rows(
      this.pool,
      `SELECT c.id, c.company_name, ca.acceptance_id, ca.template_id, ca.accepted_before_rule, ${RECORD_COLUMNS} FROM partner_customers pc ` +
        `JOIN customers c ON c.id = pc.customer_id ${CURRENT_JOIN} LEFT JOIN acceptances a ON a.id = ca.acceptance_id ` +
        `WHERE pc.partner_id = ? AND pc.customer_id IN (${placeholders(ids.length)})`,
      [type, caller.partner.id, ...ids],
    );
    return found.map((r) => ({
      id: r.id,
      companyName: r.company_name,
      status: statusJson(caller.partner.cloud, r, basis),
      acceptance: r.a_id === null ? null : acceptanceOf(r),
    }));
  }

  /** Statuses of `ids` (customers not read with their page). One statement. */
  async statuses(caller: Caller, type: string, ids: readonly string[]): Promise<StatusJson[]> {
    const basis = await this.basis(type);
    const found = await text(
      this.pool,
      `SELECT customer_id, acceptance_id, template_id, accepted_before_rule FROM current_acceptances WHERE partner_id = ? AND agreement_type = ? AND customer_id IN (${placeholders(ids.length)})`,
      [caller.partner.id, type, ...ids],
    );
    const byId = new Map(found.map((r) => [r.customer_id as string, r]));
    return ids.map((id) => statusJson(caller.partner.cloud, byId.get(id) ?? ({ template_id: null } as RowDataPacket), basis));
  }

  /** The partner's records among `ids`. One statement. */
  async acceptances(caller: Caller, ids: readonly string[]): Promise<(AcceptanceJson | null)[]> {
    const found = await text(this.pool, `SELECT ${RECORD_COLUMNS} FROM acceptances a WHERE a.partner_id = ? AND a.id IN (${placeholders(ids.length)})`, [caller.partner.id, ...ids]);
    const byId = new Map(found.map((r) => [r.a_id as string, acceptanceOf(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * confirmCustomerAcceptance, with every write the API makes: in one
   * transaction (deadlock: the whole of it again, three tries) the versions
   * and rules read fresh, the relationship row locked with the current record
   * read along, the record appended, current_acceptances and status_counts
   * moved, the outbox rows written and, with `audit`, the audit event; once
   * committed, the audit event is chained, as the API chains it.
   */
  async confirm(caller: Caller, input: Record<string, unknown>, options: { audit: boolean; requestId: string }) {
    const role = requireRole(caller, SELLERS, 'confirm acceptance');
    const { partner } = caller;
    if (!TRANSACTING.has(partner.type)) throw new Refusal('FORBIDDEN', `${/^[AEIOU]/.test(partner.type) ? 'An' : 'A'} ${partner.type} partner may not confirm acceptance.`);
    if (partner.cloud !== 'PUBLIC') throw new Refusal('AGREEMENT_NOT_SUPPORTED_IN_CLOUD', 'The agreement does not apply.');
    const customerId = requireId(input.customerId, 'input.customerId');
    const acceptedBy = input.acceptedBy ? validContact(input.acceptedBy, 'input.acceptedBy') : null;
    const dateAgreed = requireDate(input.dateAgreed, 'input.dateAgreed');
    const templateId = input.templateId === null || input.templateId === undefined ? null : requireId(input.templateId, 'input.templateId');

    for (let attempt = 1; ; attempt++) {
      const conn = await this.pool.getConnection();
      let open = false;
      try {
        await conn.beginTransaction();
        open = true;
        const now = new Date();
        const day = today(now);
        const templates = await readAgreements(conn);
        const template = templateId ? templates.find((t) => t.id === templateId) : latestOf(templates, MCA, day);
        if (!template) throw new Refusal('NOT_FOUND', 'Agreement template not found.');
        if (template.retired) throw new Refusal('TEMPLATE_RETIRED', 'The template is retired.');
        if (dateAgreed > day) throw new Refusal('DATE_IN_FUTURE', 'The date has not begun anywhere yet.');
        if (dateAgreed < template.effectiveDate) throw new Refusal('DATE_BEFORE_EFFECTIVE', 'The date is before the effective date.');
        // The relationship row is the lock, as in the API; the current record comes with it.
        const [row] = await rows(
          conn,
          'SELECT c.company_name, c.contact_first_name, c.contact_last_name, c.contact_email, c.contact_phone_number, ' +
            'ca.template_id, ca.date_agreed AS current_date_agreed, ca.accepted_before_rule, ca.last_sequence, ' +
            'a.id AS current_id, a.method AS current_method, a.recorded_at AS current_recorded_at, a.sequence AS current_sequence, ' +
            'a.accepted_by_first_name, a.accepted_by_last_name, a.accepted_by_email, a.accepted_by_phone_number ' +
            `FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id ${CURRENT_JOIN} ` +
            'LEFT JOIN acceptances a ON a.id = ca.acceptance_id WHERE pc.partner_id = ? AND pc.customer_id = ? FOR UPDATE',
          [template.type, partner.id, customerId],
        );
        if (!row) throw new Refusal('NOT_FOUND', `Customer ${customerId} not found.`);
        const signer = acceptedBy ?? { firstName: row.contact_first_name, lastName: row.contact_last_name, email: row.contact_email, phoneNumber: row.contact_phone_number };
        const rankOf = (id: string) => templates.find((t) => t.id === id)?.rank ?? 0;
        const current =
          row.template_id === null
            ? null
            : {
                id: row.current_id as string,
                templateId: row.template_id as string,
                method: row.current_method as string,
                dateAgreed: String(row.current_date_agreed),
                recordedAt: row.current_recorded_at as Date,
                sequence: Number(row.current_sequence),
                rank: rankOf(row.template_id),
              };
        // The duplicate rule.
        if (
          current?.templateId === template.id &&
          sameSignatory(
            { firstName: row.accepted_by_first_name, lastName: row.accepted_by_last_name, email: row.accepted_by_email, phoneNumber: row.accepted_by_phone_number },
            signer,
          )
        ) {
          throw new Refusal('ACCEPTANCE_ALREADY_EXISTS', 'The current acceptance is already by the same person.');
        }
        const id = randomUUID();
        const sequence = Number(row.last_sequence ?? 0) + 1;
        const record = { id, templateId: template.id, method: 'CONFIRMATION', dateAgreed, recordedAt: now, sequence, rank: template.rank };
        // The current-record rule: highest rank, then the latest date agreed, then the latest recorded.
        const replaces =
          current === null ||
          (record.rank - current.rank ||
            (record.dateAgreed < current.dateAgreed ? -1 : record.dateAgreed > current.dateAgreed ? 1 : 0) ||
            record.recordedAt.getTime() - current.recordedAt.getTime() ||
            record.sequence - current.sequence) > 0;
        const head = replaces ? record : current;
        const rule = templates.find((t) => t.id === head.templateId)?.rule;
        const to: Standing = { templateId: head.templateId, acceptedBeforeRule: rule !== undefined && rule !== null && head.dateAgreed < rule.acceptedBefore };
        const from: Standing = current ? { templateId: current.templateId, acceptedBeforeRule: Boolean(row.accepted_before_rule) } : { templateId: '', acceptedBeforeRule: false };

        await rows(
          conn,
          'INSERT INTO acceptances (id, customer_id, partner_id, template_id, agreement_type, method, channel, scenario, ' +
            'accepted_by_first_name, accepted_by_last_name, accepted_by_email, accepted_by_phone_number, date_agreed, ' +
            "recorded_by_user_id, recorded_by_role, recorded_at, sequence) VALUES (?, ?, ?, ?, ?, 'CONFIRMATION', 'EXISTING_CUSTOMER', NULL, " +
            '?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [id, customerId, partner.id, template.id, template.type, signer.firstName, signer.lastName, signer.email, signer.phoneNumber, dateAgreed, caller.userId, role, now, sequence],
        );
        await rows(
          conn,
          'INSERT INTO current_acceptances (partner_id, customer_id, agreement_type, acceptance_id, template_id, date_agreed, method, accepted_before_rule, last_sequence) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE acceptance_id = VALUES(acceptance_id), template_id = VALUES(template_id), ' +
            'date_agreed = VALUES(date_agreed), method = VALUES(method), accepted_before_rule = VALUES(accepted_before_rule), last_sequence = VALUES(last_sequence)',
          [partner.id, customerId, template.type, head.id, head.templateId, head.dateAgreed, head.method, to.acceptedBeforeRule ? 1 : 0, sequence],
        );
        // The counts move only when the standing does (the same shard: the same customer).
        if (from.templateId !== to.templateId || from.acceptedBeforeRule !== to.acceptedBeforeRule) {
          for (const [standing, delta] of [[from, -1], [to, 1]] as const) {
            await rows(
              conn,
              'INSERT INTO status_counts (partner_id, agreement_type, template_id, accepted_before_rule, shard, customers) VALUES (?, ?, ?, ?, ?, ?) ' +
                'ON DUPLICATE KEY UPDATE customers = customers + VALUES(customers)',
              [partner.id, template.type, standing.templateId, standing.acceptedBeforeRule ? 1 : 0, shardOf(customerId), delta],
            );
          }
        }
        const basis = basisOf(templates, template.type, day);
        const previous = statusOf(partner.cloud, current ? from : null, basis);
        const next = statusOf(partner.cloud, to, basis);
        const key = { partnerId: partner.id, customerId, agreementType: template.type };
        const events: { type: string; data: Record<string, unknown> }[] = [
          {
            type: 'ACCEPTANCE_RECORDED',
            data: { ...key, acceptanceId: id, templateId: template.id, method: 'CONFIRMATION', channel: 'EXISTING_CUSTOMER', dateAgreed, recordedAt: now.toISOString() },
          },
        ];
        if (previous.status !== next.status) {
          events.push({
            type: 'AGREEMENT_STATUS_CHANGED',
            data: { ...key, previous: previous.status, status: next.status, canTransact: canTransact(next.status), outdatedFrom: next.outdatedFrom, reason: 'ACCEPTANCE_RECORDED', at: now.toISOString() },
          });
        }
        const occurredAt = new Date();
        await text(
          conn,
          `INSERT INTO status_events (id, partner_id, customer_id, agreement_type, type, body, occurred_at, dispatched) VALUES ${events.map(() => '(?, ?, ?, ?, ?, ?, ?, 0)').join(', ')}`,
          events.flatMap((e) => [randomUUID(), partner.id, customerId, template.type, e.type, JSON.stringify({ type: e.type, timestamp: occurredAt.toISOString(), data: e.data }), occurredAt]),
        );
        if (options.audit) {
          await rows(
            conn,
            'INSERT INTO audit_pending (id, partner_id, at, user_id, roles_held, role_used, operation, customer_id, outcome, code, acceptance_id, request_id, correlation_id) ' +
              "VALUES (?, ?, ?, ?, ?, ?, 'CONFIRM_ACCEPTANCE', ?, 'SUCCEEDED', NULL, ?, ?, NULL)",
            [randomUUID(), partner.id, new Date(), caller.userId, caller.roles.join(','), role, customerId, id, options.requestId],
          );
        }
        await conn.commit();
        open = false;
        if (options.audit) this.chainer.soon(partner.id);
        return {
          acceptance: {
            id,
            customerId,
            dateAgreed,
            method: 'CONFIRMATION',
            channel: 'EXISTING_CUSTOMER',
            acceptedBy: signer,
            recordedBy: { userId: caller.userId, role },
            recordedAt: now,
          } satisfies AcceptanceJson,
          customer: { id: customerId, companyName: row.company_name as string },
        };
      } catch (error) {
        if (open) await conn.rollback().catch(() => undefined);
        const code = (error as { code?: string }).code;
        if (attempt < 3 && (code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT')) continue;
        throw error;
      } finally {
        conn.release();
      }
    }
  }
}

/** The shard of a customer's status count: FNV-1a of its id, as the API shards. */
function shardOf(customerId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) hash = Math.imul(hash ^ customerId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SHARDS;
}

// ---------------------------------------------------------------- the audit chain

const EVENT_COLUMNS = 'id, partner_id, at, user_id, roles_held, role_used, operation, customer_id, outcome, code, acceptance_id, request_id, correlation_id';

/**
 * Chains a partner's waiting audit events shortly after a commit, as the API
 * does (one run per partner at a time, one more if events came meanwhile,
 * 500 per batch): the head locked, the waiting events read with a locking
 * read, hashed, appended to audit_events and removed from audit_pending.
 */
export class AuditChainer {
  private readonly chaining = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(private readonly pool: Pool) {}

  soon(partnerId: string): void {
    if (this.chaining.has(partnerId)) {
      this.again.add(partnerId);
      return;
    }
    const run = (async () => {
      do {
        await sleep(CHAIN_DELAY_MS);
        this.again.delete(partnerId);
        await this.chain(partnerId);
      } while (this.again.has(partnerId));
    })()
      .catch((error: unknown) => void process.stderr.write(`chaining audit events failed: ${(error as Error).stack}\n`))
      .finally(() => this.chaining.delete(partnerId));
    this.chaining.set(partnerId, run);
  }

  /** Waits for chaining under way (shutdown). */
  async settled(): Promise<void> {
    while (this.chaining.size > 0) await Promise.all(this.chaining.values());
  }

  private async chain(partnerId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const conn = await this.pool.getConnection();
      try {
        await conn.beginTransaction();
        const lockHead = () => rows(conn, 'SELECT last_sequence, last_hash FROM audit_chains WHERE partner_id = ? FOR UPDATE', [partnerId]);
        let [head] = await lockHead();
        if (!head) {
          await rows(conn, 'INSERT IGNORE INTO audit_chains (partner_id, last_sequence, last_hash) VALUES (?, 0, ?)', [partnerId, GENESIS_HASH]);
          [head] = await lockHead();
        }
        let sequence = Number(head.last_sequence);
        let previousHash = String(head.last_hash);
        for (;;) {
          const waiting = await rows(conn, `SELECT ${EVENT_COLUMNS} FROM audit_pending WHERE partner_id = ? ORDER BY position LIMIT ${CHAIN_BATCH} FOR UPDATE`, [partnerId]);
          if (waiting.length === 0) break;
          const chained = waiting.map((w) => {
            const event = {
              id: w.id,
              partnerId: w.partner_id,
              sequence: ++sequence,
              at: w.at as Date,
              userId: w.user_id,
              rolesHeld: w.roles_held,
              roleUsed: w.role_used,
              operation: w.operation,
              customerId: w.customer_id,
              outcome: w.outcome,
              code: w.code,
              acceptanceId: w.acceptance_id,
              requestId: w.request_id,
              correlationId: w.correlation_id,
              previousHash,
            };
            previousHash = hashOf(event);
            return [w.id, w.partner_id, w.at, w.user_id, w.roles_held, w.role_used, w.operation, w.customer_id, w.outcome, w.code, w.acceptance_id, w.request_id, w.correlation_id, event.sequence, event.previousHash, previousHash];
          });
          await text(conn, `INSERT INTO audit_events (${EVENT_COLUMNS}, sequence, previous_hash, hash) VALUES ${chained.map(() => `(${placeholders(16)})`).join(', ')}`, chained.flat());
          await text(conn, `DELETE FROM audit_pending WHERE id IN (${placeholders(waiting.length)})`, waiting.map((w) => w.id));
          await rows(conn, 'UPDATE audit_chains SET last_sequence = ?, last_hash = ? WHERE partner_id = ?', [sequence, previousHash, partnerId]);
          if (waiting.length < CHAIN_BATCH) break;
        }
        await conn.commit();
        return;
      } catch (error) {
        await conn.rollback().catch(() => undefined);
        const code = (error as { code?: string }).code;
        if (attempt < 3 && (code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT')) continue;
        throw error;
      } finally {
        conn.release();
      }
    }
  }
}
