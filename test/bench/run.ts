/**
 * `npm run bench`: the GraphQL API against two references on the same
 * MariaDB/MySQL data set, same machine, same run: a hand-written baseline
 * (node:http) and a plain Apollo Server build (the peer), both doing the same
 * SQL work as the API. See the README, "Performance", for what it measures
 * and how to read it.
 *
 *   npm run bench [-- --quick] [--customers N] [--scenarios a0,b,c0,d,a,c]
 *                 [--scale] [--explain] [--soak SECONDS] [--profile] [--own-database] [--quiet-wait S]
 *                 [--warmup S] [--duration S] [--connections N]
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { BENCH_PARTNER, createBenchDatabase, type Dataset } from './dataset';
import { analyze, productListStatements, sqlitePlan, type Statement } from './explain';
import { InspectorProfiler } from './inspector';
import { formatProfile, summariseProfile } from './profile-top';
import { CONFIRM_DATE, type ContactJson, type QueryName, requestBody, signatory } from './scenarios';
import { startOwnDatabase } from './own-database';
import { CpuWatch, databaseServerPids, LABELS, ROOT, running, sleep, Target, type TargetName, ticksOf } from './servers';
import type { Partner } from '../../src/partners/partner.entity';

// ---------------------------------------------------------------- options

interface Options {
  quick: boolean;
  customers: number;
  scenarios: ScenarioKey[];
  scale: boolean;
  explain: boolean;
  soak: number | null;
  profile: boolean;
  ownDatabase: boolean;
  /** Seconds to wait, before each measured run, for other processes to leave the CPU. */
  quietWait: number;
  warmup: number;
  duration: number;
  connections: number;
  /** Sequential requests per target and scenario for the statement count. */
  statementRequests: number;
  /** Tries of each statement count while other clients are seen using the database. */
  countAttempts: number;
  /** Longest idle window around a statement count, ms. */
  idleWindowMs: number;
  /** Customers of scenario b's rotation. */
  lookupPool: number;
  databaseUrl: string;
}

/** a0, b, c0, d: without totalCount; a, c: with it. */
type ScenarioKey = 'a0' | 'b' | 'c0' | 'd' | 'a' | 'c';
const ALL_SCENARIOS: ScenarioKey[] = ['a0', 'b', 'c0', 'd', 'a', 'c'];
const WITH_TOTAL_COUNT: readonly ScenarioKey[] = ['a', 'c'];
const READS: readonly ScenarioKey[] = ['a0', 'b', 'c0', 'a', 'c'];

/** Least req/s ratio API / baseline, per scenario. */
const BASELINE_TARGETS: Partial<Record<ScenarioKey, number>> = { a0: 0.5, c0: 0.5, b: 0.7, d: 0.7 };
/** Least req/s ratio API / peer on every read scenario. */
const PEER_TARGET = 1.5;
/** Highest p99 of the API at 10 connections, every scenario. */
const P99_TARGET_MS = 50;

/** The settings the servers run with (the API's defaults, which the references follow). */
const CACHE_SECONDS = { PARTNER_CACHE_SECONDS: '5', AGREEMENT_CACHE_SECONDS: '5' };

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i === -1) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  const number = (name: string, fallback: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
    return n;
  };
  const flags = ['--quick', '--scale', '--explain', '--profile', '--own-database'];
  const valued = ['--customers', '--scenarios', '--soak', '--quiet-wait', '--warmup', '--duration', '--connections'];
  argv.forEach((arg, i) => {
    if (arg.startsWith('--') && !flags.includes(arg) && !valued.includes(arg)) throw new Error(`unknown option ${arg}`);
    if (!arg.startsWith('--') && !(i > 0 && valued.includes(argv[i - 1]))) throw new Error(`unexpected argument ${arg}`);
  });
  const scale = argv.includes('--scale');
  const scenarios = (value('--scenarios') ?? ALL_SCENARIOS.join(',')).split(',').map((s) => s.trim()) as ScenarioKey[];
  for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s} (known: ${ALL_SCENARIOS.join(', ')})`);
  const soak = value('--soak');
  return {
    quick,
    customers: number('--customers', scale ? 100_000 : 10_000),
    scenarios,
    scale,
    explain: argv.includes('--explain'),
    soak: soak === undefined ? null : number('--soak', 300),
    profile: argv.includes('--profile'),
    ownDatabase: argv.includes('--own-database'),
    quietWait: value('--quiet-wait') === '0' ? 0 : number('--quiet-wait', quick ? 0 : 60),
    warmup: number('--warmup', quick ? 1 : 5),
    duration: number('--duration', quick ? 3 : 20),
    connections: number('--connections', 10),
    statementRequests: quick ? 20 : 200,
    countAttempts: quick ? 1 : 5,
    idleWindowMs: quick ? 300 : 2000,
    lookupPool: quick ? 100 : 1000,
    databaseUrl: process.env.BENCH_DATABASE_URL ?? 'mariadb://root@127.0.0.1:3306/mca_bench',
  };
}

// ---------------------------------------------------------------- output

const out = (text = '') => process.stdout.write(`${text}\n`);

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

// ---------------------------------------------------------------- environment

interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  loadAverage: number[];
  node: string;
  database: string;
  date: string;
}

async function machine(admin: Connection): Promise<Machine> {
  const [[row]] = await admin.query<RowDataPacket[]>('SELECT VERSION() AS version');
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    loadAverage: loadavg(),
    node: process.version,
    database: String(row.version),
    date: new Date().toISOString(),
  };
}

/** What every run prints first: the machine, the software, the data set's size and the settings. */
function printEnvironment(m: Machine, options: Options, dataset?: Dataset): void {
  out('Environment');
  out(`  Machine:  ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Linux ${m.kernel}; load average ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')} at ${m.date}`);
  out(`  Software: Node ${m.node}; database server ${m.database}`);
  out(
    options.ownDatabase
      ? "  Database: the benchmark's own MariaDB server (--own-database), reached by no other client"
      : `  Database: ${options.databaseUrl.replace(/\/\/[^@]*@/, '//')} (shared: other clients' statements may disturb the figures)`,
  );
  out(
    dataset
      ? `  Data set: ${dataset.customers} customers of the bench partner, ${dataset.relationships} relationships, ${dataset.acceptances} acceptances ` +
          `(${dataset.currentAcceptances} current), ${dataset.subscriptions} subscriptions; bench partner: ${dataset.statusCounts.ACCEPTED} ACCEPTED, ` +
          `${dataset.statusCounts.OUTDATED} OUTDATED, ${dataset.statusCounts.NOT_ACCEPTED} NOT_ACCEPTED`
      : `  Data set: ${options.scale ? `10000 and ${options.customers}` : options.customers} customers of the bench partner (generated below)`,
  );
  if (options.explain) {
    out('  Settings: --explain: plans only, no load');
    return;
  }
  const load =
    options.soak !== null
      ? `${options.soak} s of scenario a against the API alone`
      : `${options.duration} s per server and scenario; SQL per request from ${options.statementRequests} sequential requests ` +
        `(server counter 'Questions', ${options.countAttempts} ${options.countAttempts === 1 ? 'count' : 'counts at most'} each)`;
  out(`  Settings: autocannon, ${options.connections} connections, pipelining 1, warm-up ${options.warmup} s, ${load}; quiet wait ${options.quietWait} s`);
  const scenarios = options.soak !== null ? 'a, the API alone' : options.scale ? 'a0, c0, a, c' : options.scenarios.join(', ');
  out(`            scenarios ${scenarios}${options.profile && options.soak === null && !options.scale ? '; --profile: the API under the CPU profiler (slower)' : ''}`);
  out(
    '            API: node dist/src/main.js, NODE_ENV=production, LOG_LEVEL=warn, pool of 10, PARTNER_CACHE_SECONDS=5, AGREEMENT_CACHE_SECONDS=5; ' +
      'baseline and peer: pool of 10, the same caches; load generator, servers and database share the machine',
  );
}

// ---------------------------------------------------------------- statements (MariaDB's own counter)

interface Statements {
  perRequest: number;
  /** Statements of other clients in an idle window as long as the count: 0 when the count is exact. */
  otherClients: number;
  /** Database busy time per request, ms (user statistics), where available. */
  dbMs: number | null;
  /** Rows the database read per request (user statistics), where available. */
  rowsRead: number | null;
}

/**
 * Statements that reached the database, from `SHOW GLOBAL STATUS LIKE
 * 'Questions'` before and after `n` sequential requests. The server counts
 * every client's statements, so an idle window as long as the count is
 * measured just before and just after it: when another client used the
 * database in either, the count is retried (up to `attempts` times) and the
 * lowest is kept, since other clients can only add. Exact on a server of its
 * own (--own-database); on a shared one, a count that never found the
 * database to itself is marked.
 */
class StatementMeter {
  private selfCost = 1;

  constructor(
    private readonly admin: Connection,
    private readonly attempts: number,
    private readonly longestWindowMs: number,
  ) {}

  private async questions(): Promise<number> {
    const [[row]] = await this.admin.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Questions'");
    return Number(row.Value);
  }

  /** What reading the counter adds to it: the least of ten tries, as other clients' statements only add. */
  async calibrate(): Promise<void> {
    let least = Infinity;
    for (let i = 0; i < 10; i++) {
      const a = await this.questions();
      least = Math.min(least, (await this.questions()) - a);
    }
    this.selfCost = least;
  }

  /** Waits (up to 1 s, or the longest idle window if shorter) until no statement arrives for 300 ms. */
  async settle(): Promise<void> {
    const deadline = Date.now() + Math.min(1000, this.longestWindowMs);
    let last = await this.questions();
    while (Date.now() < deadline) {
      await sleep(300);
      const now = await this.questions();
      if (now - last <= this.selfCost) return;
      last = now;
    }
  }

  /**
   * The database time and rows read of the user the servers connect as, from
   * MariaDB's user statistics (on with --own-database, which starts the server
   * with userstat; null where they are off).
   */
  private async userStatistics(): Promise<{ busySeconds: number; rowsRead: number } | null> {
    try {
      const [rows] = await this.admin.query<RowDataPacket[]>(
        "SELECT BUSY_TIME, ROWS_READ FROM information_schema.USER_STATISTICS WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)",
      );
      const [row] = rows;
      if (!row) return null;
      return { busySeconds: Number(row.BUSY_TIME), rowsRead: Number(row.ROWS_READ) };
    } catch {
      return null;
    }
  }

  async perRequest(n: number, run: () => Promise<void>, attempts = this.attempts): Promise<Statements> {
    let best: Statements | null = null;
    let quiet = false;
    await this.settle();
    let window = Math.min(500, this.longestWindowMs);
    for (let attempt = 0; attempt < attempts && !quiet; attempt++) {
      const idle = async () => {
        const from = await this.questions();
        await sleep(window);
        return (await this.questions()) - from - this.selfCost;
      };
      const idleBefore = await idle();
      const started = Date.now();
      const statsBefore = await this.userStatistics();
      const before = await this.questions();
      await run();
      const after = await this.questions();
      const statsAfter = await this.userStatistics();
      window = Math.min(this.longestWindowMs, Date.now() - started);
      const otherClients = idleBefore + (await idle());
      const measured: Statements = {
        perRequest: (after - before - this.selfCost) / n,
        otherClients,
        dbMs: statsBefore && statsAfter ? (1000 * (statsAfter.busySeconds - statsBefore.busySeconds)) / n : null,
        rowsRead: statsBefore && statsAfter ? (statsAfter.rowsRead - statsBefore.rowsRead) / n : null,
      };
      quiet = otherClients <= 0;
      if (!best || measured.perRequest < best.perRequest) best = measured;
    }
    // Exact only when the last attempt found the database to itself.
    return { ...best!, otherClients: quiet ? 0 : best!.otherClients };
  }
}

// ---------------------------------------------------------------- scenarios

interface NextRequest {
  body: string;
  /** Length of the one right answer (for d: with the acceptance id and recordedAt of their fixed lengths). */
  expectedLength: number;
}

interface Scenario {
  key: ScenarioKey;
  title: string;
  next(target: TargetName): NextRequest;
}

/** Problems seen in responses: status, errors, or a body of another size than the right answer. */
class Tally {
  count = 0;
  readonly examples: string[] = [];
  add(what: string): void {
    this.count += 1;
    if (this.examples.length < 3) this.examples.push(what.slice(0, 400));
  }
}

interface Session {
  options: Options;
  token: string;
  dataset: Dataset;
  /** The API first, then the references. */
  targets: Target[];
  meter: StatementMeter;
  admin: Connection;
  /** The API's CPU profiler (--profile), and where its profiles go. */
  profiler: { client: InspectorProfiler; dir: string } | null;
}

const api = (s: Session) => s.targets[0];

async function post(url: string, token: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** The API's answer, then every reference's, which must be the same bytes; fails the run otherwise. */
async function sameAnswers(s: Session, what: string, body: string): Promise<string> {
  const answers = [];
  for (const target of s.targets) answers.push({ target, ...(await post(target.url, s.token, body)) });
  for (const { target, status, text } of answers) {
    if (status !== 200 || text.includes('"errors"')) throw new Error(`${what}: the ${LABELS[target.name]} answered ${status} ${text.slice(0, 500)}`);
  }
  const [first, ...others] = answers;
  for (const other of others) {
    if (other.text === first.text) continue;
    const at = [...first.text].findIndex((ch, i) => ch !== other.text[i]);
    throw new Error(
      `${what}: the ${LABELS[other.target.name]}'s answer differs from the API's at byte ${at}:\n` +
        `  API:  …${first.text.slice(Math.max(0, at - 80), at + 80)}\n  ${LABELS[other.target.name]}: …${other.text.slice(Math.max(0, at - 80), at + 80)}`,
    );
  }
  return first.text;
}

/** a0, c0, a, c: one fixed document; every server's answer is checked equal before the load. */
async function listScenario(s: Session, key: ScenarioKey, query: QueryName, title: string, expectTotal: number | null): Promise<Scenario> {
  const body = requestBody(query);
  const text = await sameAnswers(s, title, body);
  const data = JSON.parse(text).data.customers as { totalCount?: number; nodes: { agreementStatus: { status: string } }[] };
  if (data.nodes.length !== 100) throw new Error(`${title}: expected a page of 100, got ${data.nodes.length}`);
  if (expectTotal !== null && data.totalCount !== expectTotal) throw new Error(`${title}: totalCount ${data.totalCount}, the data set has ${expectTotal}`);
  const mix = new Map<string, number>();
  for (const n of data.nodes) mix.set(n.agreementStatus.status, (mix.get(n.agreementStatus.status) ?? 0) + 1);
  out(`  ${key}: answers identical (${text.length} bytes); page statuses ${[...mix].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return { key, title, next: () => ({ body, expectedLength: text.length }) };
}

/** b: a rotation over `lookupPool` customers; every one's answer is checked equal before the load. */
async function lookupScenario(s: Session): Promise<Scenario> {
  const ids = s.dataset.customerIds.slice(0, s.options.lookupPool);
  const expected = new Map<string, number>();
  const statuses = new Map<string, number>();
  let withAcceptance = 0;
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids.slice(i, i + 10).map(async (id) => {
        const text = await sameAnswers(s, `b: customer ${id}`, requestBody('customer', { id }));
        if (!text.includes(`"id":"${id}"`)) throw new Error(`b: customer ${id} not found: ${text}`);
        if (text.includes('"acceptance":{')) withAcceptance += 1;
        const status = /"status":"(\w+)"/.exec(text)![1];
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expected.set(id, text.length);
      }),
    );
  }
  out(
    `  b: answers identical for all ${ids.length} customers of the rotation (${withAcceptance} with a current acceptance; ` +
      `${[...statuses].map(([k, v]) => `${k} ${v}`).join(', ')})`,
  );
  const position: Record<TargetName, number> = { product: 0, baseline: 0, peer: 0 };
  return {
    key: 'b',
    title: 'b: customer(id) { id agreementStatus { status canTransact acceptance { dateAgreed acceptedBy { ... } } } }',
    next(target) {
      const id = ids[position[target]++ % ids.length];
      return { body: requestBody('customer', { id }), expectedLength: expected.get(id)! };
    },
  };
}

const PLACEHOLDER_ID = 'x'.repeat(36);
const PLACEHOLDER_INSTANT = 'x'.repeat(24);

/** The answer to a benchmark confirmation, with placeholders of the right length for what the server makes up. */
function confirmAnswer(customer: { id: string; companyName: string }, contact: ContactJson, id = PLACEHOLDER_ID, recordedAt = PLACEHOLDER_INSTANT): string {
  return `${JSON.stringify({
    data: {
      confirmCustomerAcceptance: {
        acceptance: {
          id,
          customerId: customer.id,
          dateAgreed: CONFIRM_DATE,
          method: 'CONFIRMATION',
          channel: 'EXISTING_CUSTOMER',
          acceptedBy: contact,
          recordedBy: { userId: 'bench-user', role: 'ADMIN_AGENT' },
          recordedAt,
        },
        customer: { id: customer.id, companyName: customer.companyName },
      },
    },
  })}\n`;
}

/** The made-up parts of a confirmation answer replaced by placeholders, after checking their form. */
function normalisedConfirm(what: string, text: string): string {
  const parsed = JSON.parse(text);
  const acceptance = parsed?.data?.confirmCustomerAcceptance?.acceptance;
  if (!acceptance) throw new Error(`${what}: ${text.slice(0, 500)}`);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(acceptance.id)) throw new Error(`${what}: acceptance id ${acceptance.id}`);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(acceptance.recordedAt)) throw new Error(`${what}: recordedAt ${acceptance.recordedAt}`);
  if (`${JSON.stringify(parsed)}\n` !== text) throw new Error(`${what}: the answer is not compact JSON with a final line feed`);
  return text.replace(acceptance.id, PLACEHOLDER_ID).replace(acceptance.recordedAt, PLACEHOLDER_INSTANT);
}

/** Which signatories each server's confirmations name (the last name's tag): how the stored rows tell them apart. */
const TAGS: Record<TargetName, string> = { product: 'p', baseline: 'b', peer: 'q' };

/**
 * d: confirmations on the bench partner's NOT_ACCEPTED customers; each server
 * has its own third of them, taken in turn, with a new signatory every time so
 * that the duplicate rule never refuses a repeat. Before the load, one
 * customer is confirmed by each server in turn, and what each stored is checked.
 */
async function confirmScenario(s: Session): Promise<Scenario> {
  const all = [...s.dataset.notAccepted];
  const shared = all.pop()!;
  const pools = Object.fromEntries(s.targets.map((t, n) => [t.name, all.filter((_, i) => i % s.targets.length === n)])) as Record<TargetName, typeof all>;
  const sent: Record<TargetName, number> = { product: 0, baseline: 0, peer: 0 };
  const body = (customerId: string, contact: ContactJson) => requestBody('confirm', { input: { customerId, dateAgreed: CONFIRM_DATE, acceptedBy: contact } });

  const ids: string[] = [];
  for (const target of s.targets) {
    const contact = signatory(`check-${TAGS[target.name]}`, 0);
    const answer = await post(target.url, s.token, body(shared.id, contact));
    if (answer.status !== 200 || answer.text.includes('"errors"')) throw new Error(`d: the ${LABELS[target.name]} answered ${answer.text.slice(0, 500)}`);
    const normalised = normalisedConfirm(`d: ${LABELS[target.name]}`, answer.text);
    const expected = confirmAnswer(shared, contact);
    if (normalised !== expected) throw new Error(`d: the ${LABELS[target.name]}'s answer is not the expected one:\n  got:      ${normalised}\n  expected: ${expected}`);
    ids.push(JSON.parse(answer.text).data.confirmCustomerAcceptance.acceptance.id as string);
  }
  await sleep(500); // the audit events are chained shortly after commit
  const [[current]] = await s.admin.query<RowDataPacket[]>(
    'SELECT ca.acceptance_id, ca.last_sequence, (SELECT COUNT(*) FROM acceptances a WHERE a.partner_id = ca.partner_id AND a.customer_id = ca.customer_id) AS records ' +
      'FROM current_acceptances ca WHERE ca.partner_id = ? AND ca.customer_id = ?',
    [BENCH_PARTNER.id, shared.id],
  );
  const n = s.targets.length;
  if (current?.acceptance_id !== ids.at(-1) || Number(current.last_sequence) !== n || Number(current.records) !== n) {
    throw new Error(`d: after one confirmation by each server, current_acceptances holds ${JSON.stringify(current)}`);
  }
  const [events] = await s.admin.query<RowDataPacket[]>('SELECT type FROM status_events WHERE partner_id = ? AND customer_id = ? ORDER BY position', [BENCH_PARTNER.id, shared.id]);
  const types = events.map((e) => e.type as string).join(', ');
  const expectedTypes = ['ACCEPTANCE_RECORDED', 'AGREEMENT_STATUS_CHANGED', ...ids.slice(1).map(() => 'ACCEPTANCE_RECORDED')].join(', ');
  if (types !== expectedTypes) throw new Error(`d: the outbox holds ${types} for the checked customer, expected ${expectedTypes}`);
  const problems = await storedProblems(s);
  if (problems.length) throw new Error(`d: after the check confirmations: ${problems.join('; ')}`);
  out(
    `  d: answers of the expected shape from all; stored records, current row, counters, outbox rows and audit events consistent; ` +
      `${s.targets.map((t) => `${pools[t.name].length}`).join(' + ')} customers in the rotations`,
  );
  return {
    key: 'd',
    title: 'd: confirmCustomerAcceptance (a different NOT_ACCEPTED customer each time, new signatory)',
    next(target) {
      const k = sent[target]++;
      const pool = pools[target];
      const customer = pool[k % pool.length];
      const contact = signatory(TAGS[target], k);
      return { body: body(customer.id, contact), expectedLength: confirmAnswer(customer, contact).length };
    },
  };
}

/**
 * What the confirmations stored, checked against each other: the status
 * counts against a recount, one ACCEPTANCE_RECORDED row per record and one
 * AGREEMENT_STATUS_CHANGED per customer that left NOT_ACCEPTED, one audit
 * event (waiting or chained) per record of the API and the baseline, none
 * for the peer's (it keeps no audit trail).
 */
async function storedProblems(s: Session): Promise<string[]> {
  const problems: string[] = [];
  const one = async (sql: string, params: unknown[] = []) => Number((await s.admin.query<RowDataPacket[]>(sql, params))[0][0].n);
  const partner = BENCH_PARTNER.id;
  const [drift] = await s.admin.query<RowDataPacket[]>(
    "SELECT t.template_id, t.flag, t.counted, COALESCE(r.actual, 0) AS actual FROM (SELECT template_id, accepted_before_rule AS flag, SUM(customers) AS counted FROM status_counts WHERE partner_id = ? AND agreement_type = 'MICROSOFT_CUSTOMER_AGREEMENT' GROUP BY template_id, accepted_before_rule) t " +
      "LEFT JOIN (SELECT COALESCE(ca.template_id, '') AS template_id, COALESCE(ca.accepted_before_rule, 0) AS flag, COUNT(*) AS actual FROM partner_customers pc " +
      "LEFT JOIN current_acceptances ca ON ca.partner_id = pc.partner_id AND ca.customer_id = pc.customer_id AND ca.agreement_type = 'MICROSOFT_CUSTOMER_AGREEMENT' " +
      "WHERE pc.partner_id = ? GROUP BY COALESCE(ca.template_id, ''), COALESCE(ca.accepted_before_rule, 0)) r ON r.template_id = t.template_id AND r.flag = t.flag " +
      'WHERE t.counted <> COALESCE(r.actual, 0)',
    [partner, partner],
  );
  if (drift.length) problems.push(`status_counts differ from a recount: ${JSON.stringify(drift)}`);
  const records = await one("SELECT COUNT(*) AS n FROM acceptances WHERE partner_id = ? AND recorded_by_user_id = 'bench-user'", [partner]);
  const recorded = await one("SELECT COUNT(*) AS n FROM status_events WHERE partner_id = ? AND type = 'ACCEPTANCE_RECORDED'", [partner]);
  if (recorded !== records) problems.push(`${records} records but ${recorded} ACCEPTANCE_RECORDED rows`);
  const customers = await one("SELECT COUNT(DISTINCT customer_id) AS n FROM acceptances WHERE partner_id = ? AND recorded_by_user_id = 'bench-user'", [partner]);
  const changed = await one("SELECT COUNT(*) AS n FROM status_events WHERE partner_id = ? AND type = 'AGREEMENT_STATUS_CHANGED'", [partner]);
  if (changed !== customers) problems.push(`${customers} customers confirmed but ${changed} AGREEMENT_STATUS_CHANGED rows`);
  const audited = `SELECT acceptance_id FROM audit_events WHERE partner_id = ? AND operation = 'CONFIRM_ACCEPTANCE' UNION ALL SELECT acceptance_id FROM audit_pending WHERE partner_id = ? AND operation = 'CONFIRM_ACCEPTANCE'`;
  const [byServer] = await s.admin.query<RowDataPacket[]>(
    `SELECT SUBSTRING(a.accepted_by_last_name, 8, 1) AS tag, COUNT(*) AS records, SUM(x.acceptance_id IS NOT NULL) AS audited FROM acceptances a ` +
      `LEFT JOIN (${audited}) x ON x.acceptance_id = a.id WHERE a.partner_id = ? AND a.recorded_by_user_id = 'bench-user' GROUP BY SUBSTRING(a.accepted_by_last_name, 8, 1)`,
    [partner, partner, partner],
  );
  // 'Signer p…' / 'Signer check-p…': the eighth character is the tag, or 'c' for the check confirmations, which all servers make.
  for (const row of byServer) {
    const peer = row.tag === TAGS.peer;
    const audits = Number(row.audited);
    if (row.tag === 'c') continue;
    if (peer ? audits !== 0 : audits !== Number(row.records)) problems.push(`${row.tag}: ${row.records} records, ${audits} audit events`);
  }
  const checkAudits = await one(
    `SELECT COUNT(*) AS n FROM acceptances a JOIN (${audited}) x ON x.acceptance_id = a.id WHERE a.partner_id = ? AND a.accepted_by_last_name LIKE 'Signer check-%'`,
    [partner, partner, partner],
  );
  const auditing = s.targets.filter((t) => t.name !== 'peer').length;
  if (checkAudits !== auditing) problems.push(`the check confirmations have ${checkAudits} audit events, expected ${auditing}`);
  return problems;
}

// ---------------------------------------------------------------- load

interface Load {
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
  examples: string[];
  /** CPU used meanwhile by processes other than the benchmark's, in cores. */
  otherCores: number;
  /** CPU time of the server process per answered request, ms: what the server itself costs, whatever else runs. */
  cpuMsPerRequest: number;
}

/** The benchmark's own processes: what the machine may be busy with without disturbing the figures. */
const ownPids = (s: Session) => [...s.targets.map((t) => t.pid), ...databaseServerPids()];

/**
 * On a shared machine, waits (up to --quiet-wait seconds) until other
 * processes use less than a quarter of a core, so that every server is
 * measured on a machine as idle as it gets; the load tables show what other
 * processes used anyway.
 */
async function waitForQuietMachine(s: Session): Promise<void> {
  const deadline = Date.now() + s.options.quietWait * 1000;
  let said = false;
  for (;;) {
    const watch = new CpuWatch(ownPids(s));
    await sleep(1000);
    const other = watch.otherCores();
    if (other < 0.25 || Date.now() >= deadline) {
      if (said) out(`  (other processes now use ${fixed(other, 2)} cores; going on)`);
      return;
    }
    if (!said) out(`  other processes use ${fixed(other, 2)} cores: waiting up to ${s.options.quietWait} s for a quieter machine ...`);
    said = true;
  }
}

async function load(s: Session, target: Target, scenario: Scenario, seconds: number, quiet = true): Promise<Load> {
  if (quiet && s.options.quietWait > 0) await waitForQuietMachine(s);
  const tally = new Tally();
  type Context = { expected: number };
  const cpu = new CpuWatch(ownPids(s));
  const ticks = ticksOf(target.pid);
  const result = await autocannon({
    url: `${target.url}/graphql`,
    connections: s.options.connections,
    pipelining: 1,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context) => {
          const next = scenario.next(target.name);
          (context as Context).expected = next.expectedLength;
          return { ...request, body: next.body };
        },
        onResponse: (status, body, context) => {
          const expected = (context as Context).expected;
          if (status !== 200) tally.add(`HTTP ${status}: ${body}`);
          else if (body.includes('"errors"')) tally.add(`errors: ${body}`);
          else if (body.length !== expected) tally.add(`${body.length} bytes instead of ${expected}: ${body}`);
        },
      },
    ],
  });
  const transport = result.errors + result.timeouts;
  for (let i = 0; i < transport; i++) tally.add(`connection error or timeout (${result.errors} errors, ${result.timeouts} timeouts)`);
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    errors: tally.count,
    examples: tally.examples,
    otherCores: cpu.otherCores(),
    cpuMsPerRequest: ((ticksOf(target.pid) - ticks) * 10) / Math.max(1, result.requests.total),
  };
}

/** `n` requests one after the other: statements per request (MariaDB's count) and single-connection latency. */
async function sequential(s: Session, target: Target, scenario: Scenario, n: number) {
  const tally = new Tally();
  const latencies: number[] = [];
  const statements = await s.meter.perRequest(n, async () => {
    for (let i = 0; i < n; i++) {
      const next = scenario.next(target.name);
      const started = performance.now();
      const answer = await post(target.url, s.token, next.body);
      latencies.push(performance.now() - started);
      if (answer.status !== 200 || answer.text.includes('"errors"') || answer.text.length !== next.expectedLength) tally.add(answer.text);
    }
  });
  latencies.sort((a, b) => a - b);
  return { ...statements, serialP50: latencies[Math.floor(latencies.length / 2)], errors: tally.count, examples: tally.examples };
}

interface TargetResult extends Load {
  target: TargetName;
  statements: number;
  otherClientStatements: number;
  dbMs: number | null;
  rowsRead: number | null;
  serialP50: number;
  peakRssMb: number;
}

interface ScenarioResult {
  key: ScenarioKey;
  title: string;
  /** The API first. */
  targets: TargetResult[];
  /** req/s of the API over the baseline's and over the peer's. */
  ratios: { baseline: number | null; peer: number | null };
  /** The API's CPU profile of this scenario's load (--profile). */
  profile?: { file: string; text: string };
}

/**
 * Warm-up of each server, then the measured runs, in an order that rotates
 * from one scenario to the next, then the statement counts. With --profile,
 * the API's measured run is profiled.
 */
async function measure(s: Session, scenario: Scenario, rotation: number): Promise<ScenarioResult> {
  const targets = s.targets.map((_, i) => s.targets[(i + rotation) % s.targets.length]);
  const phase = (name: string) => targets.forEach((t) => (t.phase = `${scenario.key}:${name}`));
  out(`\n${scenario.title}`);
  phase('warm-up');
  const warmups = new Map<TargetName, Load>();
  for (const t of targets) warmups.set(t.name, await load(s, t, scenario, s.options.warmup, false));
  phase('load');
  const loads = new Map<TargetName, Load>();
  let profile: ScenarioResult['profile'];
  for (const t of targets) {
    const profiling = s.profiler && t.name === 'product' ? s.profiler : null;
    await profiling?.client.start();
    loads.set(t.name, await load(s, t, scenario, s.options.duration));
    if (profiling) {
      const file = join(profiling.dir, `${scenario.key}.cpuprofile`);
      writeFileSync(file, JSON.stringify(await profiling.client.stop()));
      profile = { file, text: formatProfile(summariseProfile(file), 15) };
    }
    out(`  ${LABELS[t.name].padEnd(8)} ${fixed(loads.get(t.name)!.reqPerSec)} req/s`);
  }
  phase('statements');
  // Requests of the last load run may still be in flight: they end within its longest latency.
  await sleep(Math.min(5000, Math.max(...[...loads.values()].map((l) => l.max)) + 250));
  const results: TargetResult[] = [];
  for (const t of s.targets) {
    const serial = await sequential(s, t, scenario, s.options.statementRequests);
    const run = loads.get(t.name)!;
    const warm = warmups.get(t.name)!;
    results.push({
      ...run,
      target: t.name,
      errors: run.errors + warm.errors + serial.errors,
      examples: [...run.examples, ...warm.examples, ...serial.examples].slice(0, 3),
      statements: serial.perRequest,
      otherClientStatements: serial.otherClients,
      dbMs: serial.dbMs,
      rowsRead: serial.rowsRead,
      serialP50: serial.serialP50,
      peakRssMb: t.peak(`${scenario.key}:`),
    });
  }
  phase('idle');
  const reqPerSec = (name: TargetName) => results.find((r) => r.target === name)?.reqPerSec ?? null;
  const ratio = (name: TargetName) => {
    const other = reqPerSec(name);
    return other === null ? null : reqPerSec('product')! / other;
  };
  return { key: scenario.key, title: scenario.title, targets: results, ratios: { baseline: ratio('baseline'), peer: ratio('peer') }, profile };
}

function printScenario(result: ScenarioResult): void {
  out('');
  out(result.title);
  out(
    table(
      ['server', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', '1-conn p50 ms', 'CPU ms/req', 'SQL/request', 'DB ms/req', 'rows/req', 'errors', 'peak RSS MB', 'other CPU'],
      result.targets.map((t) => [
        LABELS[t.target],
        fixed(t.reqPerSec),
        fixed(t.p50, 0),
        fixed(t.p90, 0),
        fixed(t.p99, 0),
        fixed(t.max, 0),
        fixed(t.serialP50, 2),
        fixed(t.cpuMsPerRequest, 2),
        `${fixed(t.statements, 2)}${t.otherClientStatements > 0 ? '*' : ''}`,
        t.dbMs === null ? '-' : fixed(t.dbMs, 2),
        t.rowsRead === null ? '-' : fixed(t.rowsRead, 0),
        t.errors,
        fixed(t.peakRssMb, 0),
        fixed(t.otherCores, 2),
      ]),
    ),
  );
  for (const t of result.targets) for (const e of t.examples) out(`  ${LABELS[t.target]} error example: ${e}`);
  if (result.targets.some((t) => t.otherClientStatements > 0)) out('  * another client used the database during the count: the figure may be high');
  if (result.targets.some((t) => t.otherCores > 0.1)) out('  other processes used the CPU during the load (other CPU, in cores): those figures are low');
}

/** What each server asks of the database per scenario, where it is not simply the same: notes under the tables. */
const READ_NOTE =
  '(1) reads: the same statements from all three (the page with the current acceptance joined and the status condition in SQL, ' +
  'totalCount from status_counts, one customer with its current record; the partner and the agreements read again every 5 s); ' +
  'the API reads every column of the entities it maps, the baseline and the peer only the columns the answer needs.';
const WRITE_NOTE =
  '(2) d: the same writes by the API and the baseline (the record, the current row, the status counts when the standing moves, ' +
  'the ACCEPTANCE_RECORDED and AGREEMENT_STATUS_CHANGED outbox rows, the audit event, chained after commit in batches). ' +
  "The API reads the current record in a statement of its own after the lock (the baseline with the lock), and moves the " +
  'status counts in one statement (the baseline in two). The peer writes no audit event.';
const noteOf = (key: ScenarioKey) => (key === 'd' ? '(2)' : '(1)');

/** The two tables the owners compare: req/s and p99 of each server, and the ratios, without and with totalCount. */
function printSummary(results: ScenarioResult[], connections: number): void {
  const groups: [string, ScenarioResult[]][] = [
    ['Without totalCount', results.filter((r) => !WITH_TOTAL_COUNT.includes(r.key))],
    ['With totalCount (read from status_counts by all three)', results.filter((r) => WITH_TOTAL_COUNT.includes(r.key))],
  ];
  for (const [title, group] of groups) {
    if (group.length === 0) continue;
    out(`\n${title}: req/s and p99 at ${connections} connections; ratios of req/s`);
    const names = group[0].targets.map((t) => t.target);
    const headers = ['scenario', ...names.flatMap((n) => [`${LABELS[n]} req/s`, `${LABELS[n]} p99 ms`])];
    if (names.includes('baseline')) headers.push('API/baseline (target)');
    if (names.includes('peer')) headers.push('API/peer (target)');
    headers.push('SQL work');
    const rows = group.map((r) => {
      const cells: string[] = [r.key];
      for (const n of names) {
        const t = r.targets.find((x) => x.target === n)!;
        cells.push(fixed(t.reqPerSec), fixed(t.p99, 0));
      }
      const ratioCell = (ratio: number | null, target: number | undefined) =>
        ratio === null ? '-' : target === undefined ? `${fixed(ratio, 2)} (-)` : `${fixed(ratio, 2)} (>= ${target}) ${verdict(ratio >= target)}`;
      if (names.includes('baseline')) cells.push(ratioCell(r.ratios.baseline, BASELINE_TARGETS[r.key]));
      if (names.includes('peer')) cells.push(ratioCell(r.ratios.peer, READS.includes(r.key) ? PEER_TARGET : undefined));
      cells.push(r.key === 'd' ? 'same writes, see (2)' : 'same, see (1)');
      return cells;
    });
    out(table(headers, rows));
  }
  const notes = new Set(results.map((r) => noteOf(r.key)));
  if (notes.has('(1)')) out(READ_NOTE);
  if (notes.has('(2)')) out(WRITE_NOTE);
}

// ---------------------------------------------------------------- set-up

async function adminConnection(databaseUrl: string): Promise<Connection> {
  const url = new URL(databaseUrl);
  return createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
}

/** Generates the data set, and points the admin connection at the new database. */
async function prepare(options: Options, admin: Connection, customers: number, url = options.databaseUrl): Promise<Dataset> {
  out(`\nGenerating the data set: ${customers} customers ...`);
  const dataset = await createBenchDatabase(url, customers);
  if (url === options.databaseUrl) await admin.query(`USE \`${decodeURIComponent(new URL(url).pathname.slice(1))}\``);
  out(
    `  ${dataset.customers} customers, ${dataset.relationships} relationships, ${dataset.acceptances} acceptances ` +
      `(${dataset.currentAcceptances} current), ${dataset.subscriptions} subscriptions in ${(dataset.generationMs / 1000).toFixed(1)} s; ` +
      `bench partner: ${dataset.statusCounts.ACCEPTED} ACCEPTED, ${dataset.statusCounts.OUTDATED} OUTDATED, ${dataset.statusCounts.NOT_ACCEPTED} NOT_ACCEPTED`,
  );
  return dataset;
}

/** The API, then (unless `apiOnly`) the baseline and the peer, each in a process of its own. */
async function startTargets(options: Options, secret: string, apiOnly: boolean, profile: boolean): Promise<Target[]> {
  const env = { NODE_ENV: 'production', JWT_SECRET: secret, LOG_LEVEL: 'warn', SIGNING_BASE_URL: 'https://mca.example.com', SIGNING_SECRET: `${secret} (signing)`, ...CACHE_SECONDS };
  // The benchmark drives one partner far above any production rate limit.
  const product = await Target.start('product', [...(profile ? ['--inspect=127.0.0.1:0'] : []), join(ROOT, 'dist', 'src', 'main.js')], {
    ...env,
    DATABASE_URL: options.databaseUrl,
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_BURST: '1000000',
  });
  if (apiOnly) return [product];
  const references = { ...env, BENCH_DATABASE_URL: options.databaseUrl };
  const baseline = await Target.start('baseline', [join(__dirname, 'baseline.js')], references);
  const peer = await Target.start('peer', [join(__dirname, 'plain-apollo.js')], references);
  return [product, baseline, peer];
}

async function stopTargets(targets: Target[]): Promise<void> {
  for (const t of targets) {
    const code = await t.stop();
    if (code !== 0) out(`  ${LABELS[t.name]} exited with ${code}:\n${t.log().slice(-2000)}`);
  }
}

const signToken = (secret: string) =>
  new SignJWT({ tid: BENCH_PARTNER.id, oid: 'bench-user', roles: ['ADMIN_AGENT'] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('bench-user')
    .setIssuedAt()
    .setExpirationTime('6h')
    .sign(new TextEncoder().encode(secret));

async function session(options: Options, admin: Connection, dataset: Dataset, targets: Target[], secret: string, profileDir: string | null): Promise<Session> {
  const s: Session = { options, token: await signToken(secret), dataset, targets, meter: new StatementMeter(admin, options.countAttempts, options.idleWindowMs), admin, profiler: null };
  const url = targets[0].inspectorUrl();
  if (profileDir && url) s.profiler = { client: await InspectorProfiler.connect(url), dir: profileDir };
  else if (profileDir) throw new Error(`--profile: the API printed no inspector address:\n${targets[0].log().slice(-1000)}`);
  await s.meter.calibrate();
  return s;
}

async function scenarioOf(s: Session, key: ScenarioKey): Promise<Scenario> {
  const { customers, statusCounts } = s.dataset;
  const nodes = 'nodes { id companyName agreementStatus { status canTransact } }';
  switch (key) {
    case 'a':
      return listScenario(s, 'a', 'page', `a: customers(first: 100) { totalCount ${nodes} }`, customers);
    case 'c':
      return listScenario(s, 'c', 'notAccepted', 'c: customers(first: 100, filter: { agreementStatus: NOT_ACCEPTED }) { totalCount nodes { ... } }', statusCounts.NOT_ACCEPTED);
    case 'a0':
      return listScenario(s, 'a0', 'pageOnly', `a0: customers(first: 100) { ${nodes} }`, null);
    case 'c0':
      return listScenario(s, 'c0', 'notAcceptedOnly', 'c0: customers(first: 100, filter: { agreementStatus: NOT_ACCEPTED }) { nodes { ... } }', null);
    case 'b':
      return lookupScenario(s);
    case 'd':
      return confirmScenario(s);
  }
}

/** Statements the API sends for pages of 10, 100 and 500 (with totalCount): constant in the page size? */
async function statementsByPageSize(s: Session): Promise<Record<string, Statements>> {
  const sizes: Record<string, Statements> = {};
  for (const first of [10, 100, 500]) {
    const body = JSON.stringify({
      query: `{ customers(first: ${first}) { totalCount nodes { id companyName agreementStatus { status canTransact } } } }`,
    });
    let bad = 0;
    // The lowest of a few counts: the partner and the agreements read again every few seconds fall into one of
    // them now and then, at any page size, and such statements only ever add.
    let lowest: Statements | null = null;
    for (let round = 0; round < (s.options.quick ? 1 : 3); round++) {
      const counted = await s.meter.perRequest(20, async () => {
        for (let i = 0; i < 20; i++) {
          const answer = await post(api(s).url, s.token, body);
          if (answer.status !== 200 || answer.text.includes('"errors"')) bad += 1;
        }
      });
      if (!lowest || counted.perRequest < lowest.perRequest) lowest = counted;
    }
    if (bad) throw new Error(`page of ${first}: ${bad} failed requests`);
    sizes[`first: ${first}`] = lowest!;
  }
  return sizes;
}

// ---------------------------------------------------------------- modes

interface Report {
  machine: Machine;
  options: Options;
  dataset?: Omit<Dataset, 'notAccepted' | 'customerIds'>;
  scenarios?: ScenarioResult[];
  statementsByPageSize?: Record<string, Statements>;
  stored?: string[];
  rss?: Partial<Record<TargetName, { afterStartMb: number; peakMb: number; endMb: number }>>;
  scale?: unknown;
  plans?: unknown;
  soak?: unknown;
  failed: string[];
}

const datasetSummary = ({ notAccepted: _n, customerIds: _c, ...rest }: Dataset) => rest;

async function comparison(options: Options, admin: Connection, report: Report, secret: string, profileDir: string | null): Promise<void> {
  const dataset = await prepare(options, admin, options.customers);
  report.dataset = datasetSummary(dataset);
  const targets = await startTargets(options, secret, false, profileDir !== null);
  try {
    const s = await session(options, admin, dataset, targets, secret, profileDir);
    out('\nChecking that the three servers give the same answers ...');
    const scenarios: Scenario[] = [];
    // d writes (fewer NOT_ACCEPTED customers afterwards), so it is set up and run last.
    for (const key of options.scenarios.filter((k) => k !== 'd')) scenarios.push(await scenarioOf(s, key));
    if (options.scenarios.includes('d')) scenarios.push(await scenarioOf(s, 'd'));
    report.scenarios = [];
    for (const [i, scenario] of scenarios.entries()) {
      report.scenarios.push(await measure(s, scenario, i));
      if (scenario.key === 'a') report.statementsByPageSize = await statementsByPageSize(s);
      if (scenario.key === 'd') {
        await sleep(1000); // the last audit events are chained
        report.stored = await storedProblems(s);
      }
    }
    s.profiler?.client.close();
    report.rss = Object.fromEntries(targets.map((t) => [t.name, rssSummary(t)]));
  } finally {
    await stopTargets(targets);
  }
  const results = report.scenarios ?? [];
  out('\n================================================================ results');
  printEnvironment(report.machine, options, dataset);
  for (const result of results) printScenario(result);
  printSummary(results, options.connections);
  if (report.statementsByPageSize) {
    out('\nSQL statements per request of the API for pages of 10, 100 and 500 customers with totalCount (target: the same, at most 3):');
    out(`  ${Object.entries(report.statementsByPageSize).map(([k, v]) => `${k}: ${fixed(v.perRequest, 2)}${v.otherClients > 0 ? '*' : ''}`).join('; ')}`);
  }
  if (report.stored) {
    out(`\nStored by the confirmations (d), checked after the load: ${report.stored.length === 0 ? 'consistent' : report.stored.join('; ')}`);
  }
  out('\nServer RSS (MB): after start-up / peak / at the end');
  for (const [name, r] of Object.entries(report.rss ?? {})) out(`  ${LABELS[name as TargetName].padEnd(8)} ${fixed(r.afterStartMb, 0)} / ${fixed(r.peakMb, 0)} / ${fixed(r.endMb, 0)}`);
  for (const r of results) {
    if (!r.profile) continue;
    out(`\nCPU profile of the API during ${r.key}'s measured load (${r.profile.file}; the API's figures were measured under the profiler):`);
    out(r.profile.text);
  }
  printTargets(report);
}

const rssSummary = (t: Target) => ({ afterStartMb: t.samples[0]?.mb ?? 0, peakMb: t.peak(), endMb: t.samples.at(-1)?.mb ?? 0 });

function printTargets(report: Report): void {
  const results = report.scenarios ?? [];
  const rows: string[][] = [];
  for (const r of results) {
    const target = BASELINE_TARGETS[r.key];
    if (target !== undefined && r.ratios.baseline !== null) rows.push([`${r.key}: API/baseline req/s >= ${target}`, fixed(r.ratios.baseline, 2), verdict(r.ratios.baseline >= target)]);
  }
  for (const r of results) {
    if (READS.includes(r.key) && r.ratios.peer !== null) rows.push([`${r.key}: API/peer req/s >= ${PEER_TARGET}`, fixed(r.ratios.peer, 2), verdict(r.ratios.peer >= PEER_TARGET)]);
  }
  for (const r of results) {
    const p99 = r.targets[0].p99;
    rows.push([`${r.key}: API p99 < ${P99_TARGET_MS} ms at ${report.options.connections} connections`, `${fixed(p99, 0)} ms`, verdict(p99 < P99_TARGET_MS)]);
  }
  for (const r of results) {
    if (!WITH_TOTAL_COUNT.includes(r.key)) continue;
    const p = r.targets[0];
    rows.push([`${r.key}: API SQL statements per request <= 3`, fixed(p.statements, 2), p.statements <= 3.0001 ? 'PASS' : p.otherClientStatements > 0 ? 'FAIL? (other clients)' : 'FAIL']);
  }
  const sizes = Object.values(report.statementsByPageSize ?? {});
  if (sizes.length) {
    const constant = sizes.every((v) => Math.abs(v.perRequest - sizes[0].perRequest) < 0.01);
    const disturbed = sizes.some((v) => v.otherClients > 0);
    rows.push([
      'API SQL statements constant in page size (10/100/500)',
      sizes.map((v) => fixed(v.perRequest, 2)).join('/'),
      constant ? 'PASS' : disturbed ? 'FAIL? (other clients)' : 'FAIL',
    ]);
  }
  if (report.stored) rows.push(['d: stored rows consistent (counters, outbox, audit)', report.stored.length === 0 ? 'yes' : 'no', verdict(report.stored.length === 0)]);
  for (const r of results) {
    const errors = r.targets.reduce((n, t) => n + t.errors, 0);
    rows.push([`${r.key}: errors, all servers (must be 0)`, String(errors), verdict(errors === 0)]);
  }
  out('\nTargets');
  out(table(['target', 'measured', 'verdict'], rows));
  for (const r of results) if (r.targets.some((t) => t.errors > 0)) report.failed.push(`scenario ${r.key} had errors`);
  if (report.stored?.length) report.failed.push('the stored rows of d are not consistent');
}

interface Plan {
  label: string;
  mariadb: { sql: string; analyze: string };
  sqlite: { sql: string; plan: string };
}

/**
 * The filtered page (c) and its count as CustomerService builds them, on the
 * data set the bench database holds now and on the same data set in SQLite:
 * MariaDB's ANALYZE (the plan with the rows each step really read) and
 * SQLite's EXPLAIN QUERY PLAN.
 */
async function plansOf(options: Options, admin: Connection, dataset: Dataset): Promise<Plan[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mca-bench-sqlite-'));
  const sqliteUrl = `sqlite:${join(dir, 'bench.sqlite')}`;
  await prepare(options, admin, dataset.customers, sqliteUrl);
  const filtered = (statements: Statement[]) => statements.filter((st) => st.label.startsWith('c:'));
  const maria = filtered(await productListStatements(options.databaseUrl, BENCH_PARTNER as Partner));
  const lite = filtered(await productListStatements(sqliteUrl, BENCH_PARTNER as Partner));
  const plans: Plan[] = [];
  for (const [i, statement] of maria.entries()) {
    plans.push({
      label: statement.label,
      mariadb: { sql: statement.sql, analyze: await analyze(admin, statement) },
      sqlite: { sql: lite[i].sql, plan: await sqlitePlan(sqliteUrl, lite[i]) },
    });
  }
  rmSync(dir, { recursive: true, force: true });
  return plans;
}

function printPlans(customers: number, plans: Plan[]): void {
  out(`\n---- ${customers} customers`);
  for (const p of plans) out(`\n${p.label}\nMariaDB ANALYZE (r_rows: rows really read):\n${p.mariadb.sql}\n${p.mariadb.analyze}\n\nSQLite EXPLAIN QUERY PLAN:\n${p.sqlite.sql}\n${p.sqlite.plan}`);
}

async function explain(options: Options, admin: Connection, report: Report): Promise<void> {
  const dataset = await prepare(options, admin, options.customers);
  report.dataset = datasetSummary(dataset);
  const plans = await plansOf(options, admin, dataset);
  out('\n================================================================ plans');
  printEnvironment(report.machine, options, dataset);
  out("\nThe API's filtered page (c) and its totalCount, as CustomerService builds them:");
  printPlans(dataset.customers, plans);
  report.plans = { [dataset.customers]: plans };
}

async function scale(options: Options, admin: Connection, report: Report, secret: string): Promise<void> {
  const sizes = [10_000, options.customers];
  const figures: Record<number, ScenarioResult[]> = {};
  const plans: Record<number, Plan[]> = {};
  for (const size of sizes) {
    const dataset = await prepare(options, admin, size);
    plans[size] = await plansOf(options, admin, dataset);
    const targets = await startTargets(options, secret, false, false);
    try {
      const s = await session(options, admin, dataset, targets, secret, null);
      out('\nChecking that the three servers give the same answers ...');
      const scenarios = [];
      for (const key of ['a0', 'c0', 'a', 'c'] as const) scenarios.push(await scenarioOf(s, key));
      figures[size] = [];
      for (const [i, scenario] of scenarios.entries()) figures[size].push(await measure(s, scenario, i));
    } finally {
      await stopTargets(targets);
    }
  }
  out('\n================================================================ scale results');
  printEnvironment(report.machine, options);
  for (const size of sizes) {
    out(`\n---- ${size} customers`);
    for (const r of figures[size]) printScenario(r);
    printSummary(figures[size], options.connections);
  }
  const [small, large] = sizes;
  const rows: string[][] = [];
  for (const r of figures[large]) {
    for (const t of r.targets) {
      const before = figures[small].find((x) => x.key === r.key)!.targets.find((x) => x.target === t.target)!;
      const growth = Math.max(t.p50 / before.p50, t.p99 / before.p99);
      rows.push([
        `${r.key} ${LABELS[t.target]}`,
        `${fixed(before.p50, 0)} / ${fixed(before.p99, 0)}`,
        `${fixed(t.p50, 0)} / ${fixed(t.p99, 0)}`,
        `${fixed(before.serialP50, 2)} -> ${fixed(t.serialP50, 2)}`,
        `${fixed(before.reqPerSec)} -> ${fixed(t.reqPerSec)}`,
        fixed(growth, 2),
        WITH_TOTAL_COUNT.includes(r.key) && t.target === 'product' ? verdict(growth <= 2) : '',
      ]);
    }
  }
  out(`\nLatency at ${small} and at ${large} customers (target for the API's a and c: within 2x)`);
  out(table(['scenario', `p50/p99 ms @${small}`, `p50/p99 ms @${large}`, '1-conn p50 ms', 'req/s', 'x', 'verdict'], rows));
  out(`\nThe API's filtered page (c) and its totalCount at ${small} and at ${large} customers:`);
  for (const size of sizes) printPlans(size, plans[size]);
  report.scale = { sizes, figures, plans };
  for (const size of sizes) for (const r of figures[size]) if (r.targets.some((t) => t.errors > 0)) report.failed.push(`scale ${size}: scenario ${r.key} had errors`);
}

async function soak(options: Options, admin: Connection, report: Report, secret: string): Promise<void> {
  const seconds = options.soak!;
  const dataset = await prepare(options, admin, options.customers);
  report.dataset = datasetSummary(dataset);
  const targets = await startTargets(options, secret, true, false);
  const [product] = targets;
  let result: Load;
  let soakStart = 0;
  try {
    const s = await session(options, admin, dataset, targets, secret, null);
    const scenario = await scenarioOf(s, 'a');
    product.phase = 'warm-up';
    await load(s, product, scenario, options.warmup);
    product.phase = 'soak';
    product.sample();
    soakStart = product.samples.at(-1)!.at;
    out(`\nSoak: scenario a against the API for ${seconds} s ...`);
    result = await load(s, product, scenario, seconds);
    product.sample();
  } finally {
    await stopTargets(targets);
  }
  const samples = product.samples.filter((x) => x.phase === 'soak');
  const atMinute = samples.find((x) => x.at - soakStart >= 60_000) ?? samples[0];
  const end = samples.at(-1)!;
  const growth = (end.mb - atMinute.mb) / atMinute.mb;
  out('\n================================================================ soak results');
  printEnvironment(report.machine, options, dataset);
  out(
    table(
      ['scenario', 'seconds', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RSS MB at 1 min', 'RSS MB at end', 'peak MB', 'growth'],
      [['a (API)', seconds, fixed(result.reqPerSec), fixed(result.p50, 0), fixed(result.p99, 0), result.errors, fixed(atMinute.mb, 0), fixed(end.mb, 0), fixed(Math.max(...samples.map((x) => x.mb)), 0), `${fixed(100 * growth, 1)}%`]],
    ),
  );
  out(`RSS growth from minute 1 to the end: ${fixed(100 * growth, 1)}% (target < 10%: ${verdict(growth < 0.1)})`);
  out('RSS every 30 s (s: MB): ' + samples.filter((_, i) => i % 30 === 0).map((x) => `${Math.round((x.at - soakStart) / 1000)}: ${fixed(x.mb, 0)}`).join(', '));
  for (const e of result.examples) out(`  error example: ${e}`);
  report.soak = { seconds, result, rssAtMinuteMb: atMinute.mb, rssEndMb: end.mb, growth, samples: samples.map((x) => ({ s: (x.at - soakStart) / 1000, mb: x.mb })) };
  if (result.errors > 0) report.failed.push('the soak had errors');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const own = options.ownDatabase ? await startOwnDatabase() : null;
  if (own) {
    options.databaseUrl = own.url;
    out(`Own MariaDB server started (pid ${own.pid}) at ${own.url}`);
  }
  const report: Report = { machine: {} as Machine, options, failed: [] };
  const secret = randomBytes(32).toString('base64url');
  const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'mca-bench-profile-')) : null;
  try {
    const admin = await adminConnection(options.databaseUrl).catch((error: unknown) => {
      throw new Error(`Cannot reach the database of BENCH_DATABASE_URL (${options.databaseUrl}): ${(error as Error).message}`);
    });
    try {
      report.machine = await machine(admin);
      printEnvironment(report.machine, options);
      if (options.soak !== null) await soak(options, admin, report, secret);
      else if (options.scale) await scale(options, admin, report, secret);
      else if (options.explain) await explain(options, admin, report);
      else await comparison(options, admin, report, secret, profileDir);
    } finally {
      await admin.end();
    }
  } finally {
    await own?.stop();
  }
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  writeFileSync(join(ROOT, 'dist', 'bench-results.json'), `${JSON.stringify(report, null, 2)}\n`);
  out(`\nResults written to dist/bench-results.json; ${((Date.now() - started) / 1000).toFixed(0)} s in all.`);
  if (report.failed.length) {
    out(`FAILED: ${report.failed.join('; ')}`);
    process.exitCode = 1;
  }
}

// Interrupted: the servers and the private database server go too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGTERM');
    setTimeout(() => process.exit(130), 2000).unref();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
