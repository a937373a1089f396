/**
 * The benchmark's baseline: the same four answers as the GraphQL API, written
 * by hand with plain node:http and mysql2 prepared statements. It does the
 * work a real endpoint must do (verify the token, look the partner up, check
 * roles and input, apply the status and duplicate rules) and sends the same
 * JSON, byte for byte; it skips only what the framework adds (parsing and
 * validating GraphQL, resolver dispatch, per-request loaders).
 *
 * It answers exactly the documents of `scenarios.ts`, nothing else.
 * Environment: BENCH_DATABASE_URL, JWT_SECRET, PORT (0: any), HOST.
 * Prints `{"url":"http://host:port"}` on stdout once it listens.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { createPool, type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise';
import { MCA, PAGE_SIZE, QUERIES, type ContactJson } from './scenarios';

interface Partner {
  id: string;
  type: string;
  cloud: string;
}

interface Caller {
  userId: string;
  roles: string[];
  partner: Partner;
}

type Variables = Record<string, unknown>;

/** A refusal with its GraphQL error code; sent as `{ errors: [...] }`. */
class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 200,
  ) {
    super(message);
  }
}

const KNOWN_ROLES = new Set(['GLOBAL_ADMIN', 'ADMIN_AGENT', 'SALES_AGENT', 'HELPDESK_AGENT']);
const SELLERS = ['ADMIN_AGENT', 'SALES_AGENT'];
const TRANSACTING = new Set(['DIRECT_BILL', 'INDIRECT_PROVIDER']);
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
const PHONE = /^[0-9 +\-().]*[0-9][0-9 +\-().]*$/;
// Control and format characters, but the joiners ZWNJ and ZWJ.
const CONTROL = /\p{Cc}|(?![\u200c\u200d])\p{Cf}/u;
const UTC_PLUS_14_MS = 14 * 3_600_000;

const LATEST_TEMPLATE = '(SELECT t.id FROM agreement_templates t WHERE t.type = ? AND t.retired = 0 ORDER BY t.version_rank DESC LIMIT 1)';
const CURRENT_JOIN =
  'LEFT JOIN current_acceptances ca ON ca.partner_id = pc.partner_id AND ca.customer_id = pc.customer_id AND ca.agreement_type = ?';

const SQL = {
  partner: 'SELECT id, type, cloud FROM partners WHERE id = ?',
  page:
    `SELECT c.id, c.company_name, ca.template_id, ${LATEST_TEMPLATE} AS latest_template_id ` +
    `FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id ${CURRENT_JOIN} ` +
    `WHERE pc.partner_id = ? ORDER BY pc.sort_name, pc.customer_id LIMIT ${PAGE_SIZE}`,
  count: 'SELECT COUNT(*) AS total FROM partner_customers WHERE partner_id = ?',
  notAcceptedPage:
    `SELECT c.id, c.company_name FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id ${CURRENT_JOIN} ` +
    `WHERE pc.partner_id = ? AND ca.customer_id IS NULL ORDER BY pc.sort_name, pc.customer_id LIMIT ${PAGE_SIZE}`,
  notAcceptedCount: `SELECT COUNT(*) AS total FROM partner_customers pc ${CURRENT_JOIN} WHERE pc.partner_id = ? AND ca.customer_id IS NULL`,
  customer:
    `SELECT c.id, ca.template_id, ${LATEST_TEMPLATE} AS latest_template_id, a.date_agreed, ` +
    'a.accepted_by_first_name, a.accepted_by_last_name, a.accepted_by_email, a.accepted_by_phone_number ' +
    `FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id ${CURRENT_JOIN} ` +
    'LEFT JOIN acceptances a ON a.id = ca.acceptance_id WHERE pc.partner_id = ? AND pc.customer_id = ?',
  latestTemplate: 'SELECT id, type, effective_date FROM agreement_templates WHERE type = ? AND retired = 0 ORDER BY version_rank DESC LIMIT 1',
  templateById: 'SELECT id, type, effective_date, retired FROM agreement_templates WHERE id = ?',
  // The relationship row is the lock, as in the product; the current record comes with it.
  lockCustomer:
    'SELECT c.id, c.company_name, c.contact_first_name, c.contact_last_name, c.contact_email, c.contact_phone_number, ' +
    'ca.template_id, ca.sequence, a.accepted_by_first_name, a.accepted_by_last_name, a.accepted_by_email, a.accepted_by_phone_number ' +
    `FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id ${CURRENT_JOIN} ` +
    'LEFT JOIN acceptances a ON a.id = ca.acceptance_id WHERE pc.partner_id = ? AND pc.customer_id = ? FOR UPDATE',
  insertAcceptance:
    'INSERT INTO acceptances (id, customer_id, partner_id, template_id, agreement_type, method, channel, scenario, ' +
    'accepted_by_first_name, accepted_by_last_name, accepted_by_email, accepted_by_phone_number, date_agreed, ' +
    "recorded_by_user_id, recorded_by_role, recorded_at, sequence) VALUES (?, ?, ?, ?, ?, 'CONFIRMATION', 'EXISTING_CUSTOMER', NULL, " +
    '?, ?, ?, ?, ?, ?, ?, ?, ?)',
  makeCurrent:
    'INSERT INTO current_acceptances (partner_id, customer_id, agreement_type, acceptance_id, template_id, sequence) ' +
    'VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE acceptance_id = VALUES(acceptance_id), ' +
    'template_id = VALUES(template_id), sequence = VALUES(sequence)',
};

const statusOf = (cloud: string, templateId: string | null, latestTemplateId: string | null) =>
  cloud !== 'PUBLIC' ? 'NOT_APPLICABLE' : templateId === null ? 'NOT_ACCEPTED' : templateId === latestTemplateId ? 'ACCEPTED' : 'OUTDATED';

const canTransact = (status: string) => status === 'ACCEPTED' || status === 'NOT_APPLICABLE';

function requireRole(caller: Caller, roles: readonly string[], what: string): string {
  const role = roles.find((r) => caller.roles.includes(r));
  if (!role) throw new Refusal('FORBIDDEN', `To ${what} you need one of the roles ${roles.join(', ')}.`);
  return role;
}

function requireId(value: unknown, field: string): string {
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
function requireDate(value: unknown, field: string): string {
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

type Handler = (pool: Pool, caller: Caller, variables: Variables) => Promise<unknown>;

async function rows(pool: Pool | PoolConnection, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  const [result] = await pool.execute<RowDataPacket[]>(sql, params as never[]);
  return result;
}

/** a, and c without filter: the page and the count. */
const customersPage =
  (withCount: boolean): Handler =>
  async (pool, caller) => {
    // One statement after the other, as the product sends them.
    const page = await rows(pool, SQL.page, [MCA, MCA, caller.partner.id]);
    const count = withCount ? await rows(pool, SQL.count, [caller.partner.id]) : null;
    const nodes = page.map((r) => {
      const status = statusOf(caller.partner.cloud, r.template_id, r.latest_template_id);
      return { id: r.id, companyName: r.company_name, agreementStatus: { status, canTransact: canTransact(status) } };
    });
    return { customers: withCount ? { totalCount: Number(count![0].total), nodes } : { nodes } };
  };

/** c: the NOT_ACCEPTED page; outside the public cloud nobody is NOT_ACCEPTED. */
const notAcceptedPage =
  (withCount: boolean): Handler =>
  async (pool, caller) => {
    if (caller.partner.cloud !== 'PUBLIC') return { customers: withCount ? { totalCount: 0, nodes: [] } : { nodes: [] } };
    const page = await rows(pool, SQL.notAcceptedPage, [MCA, caller.partner.id]);
    const count = withCount ? await rows(pool, SQL.notAcceptedCount, [MCA, caller.partner.id]) : null;
    const nodes = page.map((r) => ({
      id: r.id,
      companyName: r.company_name,
      agreementStatus: { status: 'NOT_ACCEPTED', canTransact: false },
    }));
    return { customers: withCount ? { totalCount: Number(count![0].total), nodes } : { nodes } };
  };

/** b: one customer, its status and the current record's signatory and date. */
const customer: Handler = async (pool, caller, variables) => {
  const id = requireId(variables.id, 'id');
  const [row] = await rows(pool, SQL.customer, [MCA, MCA, caller.partner.id, id]);
  if (!row) return { customer: null };
  const status = statusOf(caller.partner.cloud, row.template_id, row.latest_template_id);
  // The acceptance field is guarded: READ_ACCEPTANCES roles only.
  requireRole(caller, SELLERS, 'read acceptance records');
  const acceptance =
    status === 'NOT_APPLICABLE' || row.template_id === null
      ? null
      : {
          dateAgreed: row.date_agreed,
          acceptedBy: {
            firstName: row.accepted_by_first_name,
            lastName: row.accepted_by_last_name,
            email: row.accepted_by_email,
            phoneNumber: row.accepted_by_phone_number,
          },
        };
  return { customer: { id: row.id, agreementStatus: { status, canTransact: canTransact(status), acceptance } } };
};

/** d: confirm acceptance, minimal but complete: checks, lock, duplicate rule, append, current pointer. */
const confirm: Handler = async (pool, caller, variables) => {
  const role = requireRole(caller, SELLERS, 'confirm acceptance');
  if (!TRANSACTING.has(caller.partner.type)) throw new Refusal('FORBIDDEN', `${/^[AEIOU]/.test(caller.partner.type) ? 'An' : 'A'} ${caller.partner.type} partner may not confirm acceptance.`);
  if (caller.partner.cloud !== 'PUBLIC') throw new Refusal('AGREEMENT_NOT_SUPPORTED_IN_CLOUD', 'The agreement does not apply.');
  const input = (variables.input ?? {}) as Record<string, unknown>;
  const customerId = requireId(input.customerId, 'input.customerId');
  const acceptedBy = input.acceptedBy ? validContact(input.acceptedBy, 'input.acceptedBy') : null;
  const dateAgreed = requireDate(input.dateAgreed, 'input.dateAgreed');
  const templateId = input.templateId === null || input.templateId === undefined ? null : requireId(input.templateId, 'input.templateId');
  const now = new Date();

  for (let attempt = 1; ; attempt++) {
    const conn = await pool.getConnection();
    let open = false;
    try {
      await conn.beginTransaction();
      open = true;
      const [template] = templateId ? await rows(conn, SQL.templateById, [templateId]) : await rows(conn, SQL.latestTemplate, [MCA]);
      if (!template) throw new Refusal('NOT_FOUND', 'Agreement template not found.');
      if (template.retired) throw new Refusal('TEMPLATE_RETIRED', 'The template is retired.');
      const [row] = await rows(conn, SQL.lockCustomer, [template.type, caller.partner.id, customerId]);
      if (!row) throw new Refusal('NOT_FOUND', `Customer ${customerId} not found.`);
      const latestBegun = new Date(now.getTime() + UTC_PLUS_14_MS).toISOString().slice(0, 10);
      if (dateAgreed > latestBegun) throw new Refusal('DATE_IN_FUTURE', 'The date has not begun anywhere yet.');
      const effective = String(template.effective_date).slice(0, 10);
      if (dateAgreed < effective) throw new Refusal('DATE_BEFORE_EFFECTIVE', 'The date is before the effective date.');
      const signer = acceptedBy ?? {
        firstName: row.contact_first_name,
        lastName: row.contact_last_name,
        email: row.contact_email,
        phoneNumber: row.contact_phone_number,
      };
      if (
        row.template_id === template.id &&
        sameSignatory(
          {
            firstName: row.accepted_by_first_name,
            lastName: row.accepted_by_last_name,
            email: row.accepted_by_email,
            phoneNumber: row.accepted_by_phone_number,
          },
          signer,
        )
      ) {
        throw new Refusal('ACCEPTANCE_ALREADY_EXISTS', 'The current acceptance is already by the same person.');
      }
      const id = randomUUID();
      const sequence = (row.sequence ?? 0) + 1;
      await conn.execute(SQL.insertAcceptance, [
        id,
        customerId,
        caller.partner.id,
        template.id,
        template.type,
        signer.firstName,
        signer.lastName,
        signer.email,
        signer.phoneNumber,
        dateAgreed,
        caller.userId,
        role,
        now,
        sequence,
      ]);
      await conn.execute(SQL.makeCurrent, [caller.partner.id, customerId, template.type, id, template.id, sequence]);
      await conn.commit();
      open = false;
      return {
        confirmCustomerAcceptance: {
          acceptance: {
            id,
            customerId,
            dateAgreed,
            method: 'CONFIRMATION',
            channel: 'EXISTING_CUSTOMER',
            acceptedBy: signer,
            recordedBy: { userId: caller.userId, role },
            recordedAt: now.toISOString(),
          },
          customer: { id: row.id, companyName: row.company_name },
        },
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
};

const HANDLERS = new Map<string, Handler>([
  [QUERIES.page, customersPage(true)],
  [QUERIES.pageOnly, customersPage(false)],
  [QUERIES.notAccepted, notAcceptedPage(true)],
  [QUERIES.notAcceptedOnly, notAcceptedPage(false)],
  [QUERIES.customer, customer],
  [QUERIES.confirm, confirm],
]);

async function authenticate(pool: Pool, secret: Uint8Array, authorization: string | undefined): Promise<Caller> {
  const match = authorization ? /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(authorization.trim()) : null;
  if (!match) throw new Refusal('UNAUTHENTICATED', 'Sign in.', 401);
  let payload;
  try {
    ({ payload } = await jwtVerify(match[1], secret, { algorithms: ['HS256'], clockTolerance: 30, requiredClaims: ['exp'] }));
  } catch {
    throw new Refusal('UNAUTHENTICATED', 'The token was refused.', 401);
  }
  const userId = typeof payload.oid === 'string' && payload.oid ? payload.oid : payload.sub;
  if (typeof payload.tid !== 'string' || !payload.tid || typeof userId !== 'string' || !userId || !Array.isArray(payload.roles ?? [])) {
    throw new Refusal('UNAUTHENTICATED', 'The token lacks tid, oid or roles.', 401);
  }
  const [partner] = await rows(pool, SQL.partner, [payload.tid]);
  if (!partner) throw new Refusal('UNAUTHENTICATED', 'Unknown partner.', 401);
  const roles = ((payload.roles ?? []) as unknown[]).filter((r): r is string => typeof r === 'string' && KNOWN_ROLES.has(r));
  return { userId, roles: [...new Set(roles)], partner: { id: partner.id, type: partner.type, cloud: partner.cloud } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('x-request-id', randomUUID());
  res.setHeader('content-type', 'application/json; charset=utf-8');
  // Apollo Server ends its JSON with a line feed; so does this.
  res.end(`${JSON.stringify(body)}\n`);
}

async function handle(pool: Pool, secret: Uint8Array, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { errors: [{ message: 'Not found.' }] });
  let request: { query?: unknown; variables?: unknown };
  try {
    request = JSON.parse(await readBody(req));
  } catch {
    return send(res, 400, { errors: [{ message: 'The body is not JSON.', extensions: { code: 'BAD_REQUEST' } }] });
  }
  const handler = typeof request.query === 'string' ? HANDLERS.get(request.query) : undefined;
  if (!handler) return send(res, 400, { errors: [{ message: 'The baseline answers only the benchmark documents.' }] });
  try {
    const caller = await authenticate(pool, secret, req.headers.authorization);
    const data = await handler(pool, caller, (request.variables ?? {}) as Variables);
    send(res, 200, { data });
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    send(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
  }
}

async function main(): Promise<void> {
  const databaseUrl = new URL(process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/mca_bench');
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error('JWT_SECRET is required.');
  const pool = createPool({
    host: databaseUrl.hostname,
    port: Number(databaseUrl.port || 3306),
    user: decodeURIComponent(databaseUrl.username),
    password: decodeURIComponent(databaseUrl.password),
    database: decodeURIComponent(databaseUrl.pathname.slice(1)),
    connectionLimit: 10,
    charset: 'UTF8MB4_BIN',
    timezone: 'Z',
    dateStrings: ['DATE'],
  });
  const key = new TextEncoder().encode(secret);
  const server = createServer((req, res) => {
    handle(pool, key, req, res).catch((error: unknown) => {
      process.stderr.write(`baseline: ${(error as Error).stack}\n`);
      if (!res.headersSent) send(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    });
  });
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
    const { address, port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ url: `http://${address}:${port}` })}\n`);
  });
  const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
