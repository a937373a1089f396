/**
 * `npm run bench`: the GraphQL API against a hand-written baseline on the
 * same MariaDB/MySQL data set, same machine, same run. See the README,
 * "Performance", for what it measures and how to read it.
 *
 *   npm run bench [-- --quick] [--customers N] [--scenarios a,b,c,d]
 *                 [--scale] [--soak SECONDS] [--profile] [--own-database] [--quiet-wait S]
 *                 [--warmup S] [--duration S] [--connections N]
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { BENCH_PARTNER, createBenchDatabase, type Dataset } from './dataset';
import { analyze, productListStatements } from './explain';
import { formatProfile, summariseProfile } from './profile-top';
import { CONFIRM_DATE, type ContactJson, type QueryName, requestBody, signatory } from './scenarios';
import { startOwnDatabase } from './own-database';
import { CpuWatch, databaseServerPids, ROOT, running, sleep, Target, type TargetName, ticksOf } from './servers';
import type { Partner } from '../../src/partners/partner.entity';

// ---------------------------------------------------------------- options

interface Options {
  quick: boolean;
  customers: number;
  customersGiven: boolean;
  scenarios: ScenarioKey[];
  scale: boolean;
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
  /** Customers of scenario b's rotation. */
  lookupPool: number;
  databaseUrl: string;
}

type ScenarioKey = 'a' | 'b' | 'c' | 'd' | 'a0' | 'c0';

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
  const known = new Set([
    '--quick', '--customers', '--scenarios', '--scale', '--soak', '--profile', '--own-database', '--quiet-wait', '--warmup', '--duration',
    '--connections',
  ]);
  argv.forEach((arg, i) => {
    if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg}`);
    if (!arg.startsWith('--') && !(i > 0 && ['--customers', '--scenarios', '--soak', '--quiet-wait', '--warmup', '--duration', '--connections'].includes(argv[i - 1]))) {
      throw new Error(`unexpected argument ${arg}`);
    }
  });
  const scale = argv.includes('--scale');
  const scenarios = (value('--scenarios') ?? 'a,b,c,d').split(',').map((s) => s.trim()) as ScenarioKey[];
  for (const s of scenarios) if (!['a', 'b', 'c', 'd', 'a0', 'c0'].includes(s)) throw new Error(`unknown scenario ${s}`);
  const soak = value('--soak');
  return {
    quick,
    customers: number('--customers', scale ? 100_000 : 10_000),
    customersGiven: value('--customers') !== undefined,
    scenarios,
    scale,
    soak: soak === undefined ? null : number('--soak', 300),
    profile: argv.includes('--profile'),
    ownDatabase: argv.includes('--own-database'),
    quietWait: value('--quiet-wait') === '0' ? 0 : number('--quiet-wait', quick ? 0 : 60),
    warmup: number('--warmup', quick ? 2 : 5),
    duration: number('--duration', quick ? 5 : 20),
    connections: number('--connections', 10),
    statementRequests: quick ? 50 : 200,
    lookupPool: quick ? 200 : 1000,
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

// ---------------------------------------------------------------- machine

interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  kernel: string;
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
    node: process.version,
    database: String(row.version),
    date: new Date().toISOString(),
  };
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
 * database in either, the count is retried (up to five times) and the lowest
 * is kept, since other clients can only add. Exact on a server of its own
 * (--own-database); on a shared one, a count that never found the database to
 * itself is marked.
 */
class StatementMeter {
  private selfCost = 1;

  constructor(private readonly admin: Connection) {}

  private async questions(): Promise<number> {
    const [[row]] = await this.admin.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Questions'");
    return Number(row.Value);
  }

  async calibrate(): Promise<void> {
    const a = await this.questions();
    const b = await this.questions();
    this.selfCost = b - a;
  }

  /** Waits (up to 1 s) until no statement arrives for 300 ms. */
  async settle(): Promise<void> {
    const deadline = Date.now() + 1000;
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
  private async userStatistics(): Promise<{ busySeconds: number; cpuSeconds: number; rowsRead: number } | null> {
    try {
      const [rows] = await this.admin.query<RowDataPacket[]>(
        "SELECT BUSY_TIME, CPU_TIME, ROWS_READ FROM information_schema.USER_STATISTICS WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)",
      );
      const [row] = rows;
      if (!row) return null;
      return { busySeconds: Number(row.BUSY_TIME), cpuSeconds: Number(row.CPU_TIME), rowsRead: Number(row.ROWS_READ) };
    } catch {
      return null;
    }
  }

  async perRequest(n: number, run: () => Promise<void>): Promise<Statements> {
    let best: Statements | null = null;
    let quiet = false;
    await this.settle();
    let window = 500;
    for (let attempt = 0; attempt < 5 && !quiet; attempt++) {
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
      window = Date.now() - started;
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
  /** Least acceptable req/s ratio product / baseline, where the issue sets one. */
  ratioTarget: number | null;
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
  product: Target;
  baseline: Target | null;
  meter: StatementMeter;
  admin: Connection;
}

async function post(url: string, token: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** The right answer must come back the same from both servers; fails the run otherwise. */
function compare(what: string, product: { status: number; text: string }, baseline: { status: number; text: string }): void {
  if (product.status !== 200 || product.text.includes('"errors"')) throw new Error(`${what}: the product answered ${product.status} ${product.text.slice(0, 500)}`);
  if (baseline.status !== 200 || baseline.text.includes('"errors"')) throw new Error(`${what}: the baseline answered ${baseline.status} ${baseline.text.slice(0, 500)}`);
  if (product.text === baseline.text) return;
  const at = [...product.text].findIndex((ch, i) => ch !== baseline.text[i]);
  throw new Error(
    `${what}: the baseline's answer differs from the product's at byte ${at}:\n` +
      `  product:  …${product.text.slice(Math.max(0, at - 80), at + 80)}\n  baseline: …${baseline.text.slice(Math.max(0, at - 80), at + 80)}`,
  );
}

/** a, c (and a0, c0): one fixed document; both answers are checked equal before the load. */
async function listScenario(
  s: Session,
  key: ScenarioKey,
  query: QueryName,
  title: string,
  ratioTarget: number | null,
  expectTotal: number | null,
): Promise<Scenario> {
  const body = requestBody(query);
  const product = await post(s.product.url, s.token, body);
  const lengths: Record<TargetName, number> = { product: product.text.length, baseline: product.text.length };
  if (s.baseline) compare(title, product, await post(s.baseline.url, s.token, body));
  else if (product.status !== 200 || product.text.includes('"errors"')) throw new Error(`${title}: ${product.text.slice(0, 500)}`);
  const data = JSON.parse(product.text).data.customers as { totalCount?: number; nodes: { agreementStatus: { status: string } }[] };
  if (data.nodes.length !== 100) throw new Error(`${title}: expected a page of 100, got ${data.nodes.length}`);
  if (expectTotal !== null && data.totalCount !== undefined && data.totalCount !== expectTotal) {
    throw new Error(`${title}: totalCount ${data.totalCount}, the data set has ${expectTotal}`);
  }
  const mix = new Map<string, number>();
  for (const n of data.nodes) mix.set(n.agreementStatus.status, (mix.get(n.agreementStatus.status) ?? 0) + 1);
  out(`  ${key}: answers identical (${product.text.length} bytes); page statuses ${[...mix].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return { key, title, ratioTarget, next: (target) => ({ body, expectedLength: lengths[target] }) };
}

/** b: a rotation over `lookupPool` customers; every one's answer is checked equal before the load. */
async function lookupScenario(s: Session): Promise<Scenario> {
  const ids = s.dataset.customerIds.slice(0, s.options.lookupPool);
  const expected = new Map<string, number>();
  let withAcceptance = 0;
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids.slice(i, i + 10).map(async (id) => {
        const body = requestBody('customer', { id });
        const product = await post(s.product.url, s.token, body);
        if (s.baseline) compare(`b: customer ${id}`, product, await post(s.baseline.url, s.token, body));
        if (!product.text.includes(`"id":"${id}"`)) throw new Error(`b: customer ${id} not found: ${product.text}`);
        if (product.text.includes('"acceptance":{')) withAcceptance += 1;
        expected.set(id, product.text.length);
      }),
    );
  }
  out(`  b: answers identical for all ${ids.length} customers of the rotation (${withAcceptance} with a current acceptance)`);
  const position: Record<TargetName, number> = { product: 0, baseline: 0 };
  return {
    key: 'b',
    title: 'b: customer(id) { id agreementStatus { status canTransact acceptance { dateAgreed acceptedBy } } }',
    ratioTarget: 0.5,
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

/**
 * d: confirmations on the bench partner's NOT_ACCEPTED customers; each server
 * has its own half of them, taken in turn, with a new signatory every time so
 * that the duplicate rule never refuses a repeat. Before the load, one
 * customer is confirmed by both (product first), and what is stored is checked.
 */
async function confirmScenario(s: Session): Promise<Scenario> {
  const all = [...s.dataset.notAccepted];
  const shared = all.pop()!;
  const pools: Record<TargetName, { id: string; companyName: string }[]> = {
    product: all.filter((_, i) => i % 2 === 0),
    baseline: all.filter((_, i) => i % 2 === 1),
  };
  const tags: Record<TargetName, string> = { product: 'p', baseline: 'b' };
  const sent: Record<TargetName, number> = { product: 0, baseline: 0 };
  const body = (customerId: string, contact: ContactJson) =>
    requestBody('confirm', { input: { customerId, dateAgreed: CONFIRM_DATE, acceptedBy: contact } });

  const check = async (target: Target, contact: ContactJson) => {
    const answer = await post(target.url, s.token, body(shared.id, contact));
    if (answer.status !== 200 || answer.text.includes('"errors"')) throw new Error(`d: ${target.name} answered ${answer.text.slice(0, 500)}`);
    const normalised = normalisedConfirm(`d: ${target.name}`, answer.text);
    const expected = confirmAnswer(shared, contact);
    if (normalised !== expected) throw new Error(`d: ${target.name}'s answer is not the expected one:\n  got:      ${normalised}\n  expected: ${expected}`);
    return JSON.parse(answer.text).data.confirmCustomerAcceptance.acceptance.id as string;
  };
  await check(s.product, signatory('check-p', 0));
  if (s.baseline) {
    const id = await check(s.baseline, signatory('check-b', 0));
    const [[current]] = await s.admin.query<RowDataPacket[]>(
      'SELECT ca.acceptance_id, ca.sequence, (SELECT COUNT(*) FROM acceptances a WHERE a.partner_id = ca.partner_id AND a.customer_id = ca.customer_id) AS records ' +
        'FROM current_acceptances ca WHERE ca.partner_id = ? AND ca.customer_id = ?',
      [BENCH_PARTNER.id, shared.id],
    );
    if (current?.acceptance_id !== id || Number(current.sequence) !== 2 || Number(current.records) !== 2) {
      throw new Error(`d: after a product and a baseline confirmation, current_acceptances holds ${JSON.stringify(current)}`);
    }
  }
  out(
    `  d: answers of the expected shape from both, stored records consistent; ${pools.product.length} + ${pools.baseline.length} customers in the two rotations`,
  );
  return {
    key: 'd',
    title: 'd: confirmCustomerAcceptance (a different NOT_ACCEPTED customer each time, new signatory)',
    ratioTarget: 0.7,
    next(target) {
      const n = sent[target]++;
      const pool = pools[target];
      const customer = pool[n % pool.length];
      const contact = signatory(tags[target], n);
      return { body: body(customer.id, contact), expectedLength: confirmAnswer(customer, contact).length };
    },
  };
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
const ownPids = (s: Session) => [s.product.pid, ...(s.baseline ? [s.baseline.pid] : []), ...databaseServerPids()];

/**
 * On a shared machine, waits (up to --quiet-wait seconds) until other
 * processes use less than a quarter of a core, so that both servers are
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
  ratio: number | null;
  ratioTarget: number | null;
  targets: TargetResult[];
}

/** Warm-up of both, then the measured runs, alternating which goes first, then the statement counts. */
async function measure(s: Session, scenario: Scenario, productFirst: boolean): Promise<ScenarioResult> {
  const targets = (s.baseline ? (productFirst ? [s.product, s.baseline] : [s.baseline, s.product]) : [s.product]) as Target[];
  const phase = (name: string) => targets.forEach((t) => (t.phase = `${scenario.key}:${name}`));
  out(`\n${scenario.title}`);
  phase('warm-up');
  const warmupErrors = new Map<TargetName, Load>();
  for (const t of targets) warmupErrors.set(t.name, await load(s, t, scenario, s.options.warmup, false));
  phase('load');
  const loads = new Map<TargetName, Load>();
  for (const t of targets) {
    loads.set(t.name, await load(s, t, scenario, s.options.duration));
    out(`  ${t.name.padEnd(8)} ${fixed(loads.get(t.name)!.reqPerSec)} req/s`);
  }
  phase('statements');
  // Requests of the last load run may still be in flight: they end within its longest latency.
  await sleep(Math.min(5000, Math.max(...[...loads.values()].map((l) => l.max)) + 250));
  const results: TargetResult[] = [];
  for (const t of targets) {
    const serial = await sequential(s, t, scenario, s.options.statementRequests);
    const run = loads.get(t.name)!;
    const warm = warmupErrors.get(t.name)!;
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
  const byName = (name: TargetName) => results.find((r) => r.target === name);
  const product = byName('product')!;
  const baseline = byName('baseline');
  return {
    key: scenario.key,
    title: scenario.title,
    ratio: baseline ? product.reqPerSec / baseline.reqPerSec : null,
    ratioTarget: scenario.ratioTarget,
    targets: [product, ...(baseline ? [baseline] : [])],
  };
}

function printScenario(result: ScenarioResult): void {
  out('');
  out(result.title);
  out(
    table(
      ['target', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', '1-conn p50 ms', 'CPU ms/req', 'SQL/request', 'DB ms/req', 'rows/req', 'errors', 'peak RSS MB', 'other CPU'],
      result.targets.map((t) => [
        t.target,
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
  if (result.ratio !== null) {
    const verdict = result.ratioTarget === null ? '' : ` (target >= ${result.ratioTarget}: ${result.ratio >= result.ratioTarget ? 'PASS' : 'FAIL'})`;
    out(`ratio product/baseline: ${fixed(result.ratio, 2)}${verdict}`);
  }
  for (const t of result.targets) for (const e of t.examples) out(`  ${t.target} error example: ${e}`);
  if (result.targets.some((t) => t.otherClientStatements > 0)) out('  * another client used the database during the count: the figure may be high');
  if (result.targets.some((t) => t.otherCores > 0.1)) out('  other processes used the CPU during the load (other CPU, in cores): those figures are low');
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
async function prepare(options: Options, admin: Connection, customers: number): Promise<Dataset> {
  out(`\nGenerating the data set: ${customers} customers ...`);
  const dataset = await createBenchDatabase(options.databaseUrl, customers);
  await admin.query(`USE \`${decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1))}\``);
  out(
    `  ${dataset.customers} customers, ${dataset.relationships} relationships, ${dataset.acceptances} acceptances ` +
      `(${dataset.currentAcceptances} current), ${dataset.subscriptions} subscriptions in ${(dataset.generationMs / 1000).toFixed(1)} s; ` +
      `bench partner: ${dataset.statusCounts.ACCEPTED} ACCEPTED, ${dataset.statusCounts.OUTDATED} OUTDATED, ${dataset.statusCounts.NOT_ACCEPTED} NOT_ACCEPTED`,
  );
  return dataset;
}

async function startTargets(options: Options, secret: string, withBaseline: boolean, profileDir: string | null) {
  // The benchmark drives one partner far above any production rate limit.
  const env = { NODE_ENV: 'production', JWT_SECRET: secret, LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' };
  const profiling = (name: TargetName) => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : []);
  const product = await Target.start('product', [...profiling('product'), join(ROOT, 'dist', 'src', 'main.js')], {
    ...env,
    DATABASE_URL: options.databaseUrl,
  });
  const baseline = withBaseline
    ? await Target.start('baseline', [...profiling('baseline'), join(__dirname, 'baseline.js')], { ...env, BENCH_DATABASE_URL: options.databaseUrl })
    : null;
  return { product, baseline };
}

async function stopTargets(targets: (Target | null)[]): Promise<void> {
  for (const t of targets) {
    if (!t) continue;
    const code = await t.stop();
    if (code !== 0) out(`  ${t.name} exited with ${code}:\n${t.log().slice(-2000)}`);
  }
}

const signToken = (secret: string) =>
  new SignJWT({ tid: BENCH_PARTNER.id, oid: 'bench-user', roles: ['ADMIN_AGENT'] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('bench-user')
    .setIssuedAt()
    .setExpirationTime('6h')
    .sign(new TextEncoder().encode(secret));

async function scenarioOf(s: Session, key: ScenarioKey): Promise<Scenario> {
  const { customers, statusCounts } = s.dataset;
  switch (key) {
    case 'a':
      return listScenario(s, 'a', 'page', 'a: customers(first: 100) { totalCount nodes { id companyName agreementStatus { status canTransact } } }', 0.5, customers);
    case 'c':
      return listScenario(s, 'c', 'notAccepted', 'c: customers(first: 100, filter: { agreementStatus: NOT_ACCEPTED }) { totalCount nodes { ... } }', 0.5, statusCounts.NOT_ACCEPTED);
    case 'a0':
      return listScenario(s, 'a0', 'pageOnly', 'a0: a without totalCount', null, null);
    case 'c0':
      return listScenario(s, 'c0', 'notAcceptedOnly', 'c0: c without totalCount', null, null);
    case 'b':
      return lookupScenario(s);
    case 'd':
      return confirmScenario(s);
  }
}

/** Statements the product sends for pages of 10, 100 and 500 (with totalCount): constant in the page size? */
async function statementsByPageSize(s: Session): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const first of [10, 100, 500]) {
    const body = JSON.stringify({
      query: `{ customers(first: ${first}) { totalCount nodes { id companyName agreementStatus { status canTransact } } } }`,
    });
    let bad = 0;
    // The lowest of three counts: the partner read again once every PARTNER_CACHE_SECONDS falls into one of
    // them now and then, at any page size, and such statements only ever add.
    let lowest = Infinity;
    for (let round = 0; round < 3; round++) {
      const { perRequest } = await s.meter.perRequest(20, async () => {
        for (let i = 0; i < 20; i++) {
          const answer = await post(s.product.url, s.token, body);
          if (answer.status !== 200 || answer.text.includes('"errors"')) bad += 1;
        }
      });
      lowest = Math.min(lowest, perRequest);
    }
    if (bad) throw new Error(`page of ${first}: ${bad} failed requests`);
    sizes[`first: ${first}`] = lowest;
  }
  return sizes;
}

// ---------------------------------------------------------------- modes

interface Report {
  machine: Machine;
  options: Options;
  dataset?: Omit<Dataset, 'notAccepted' | 'customerIds'>;
  scenarios?: ScenarioResult[];
  statementsByPageSize?: Record<string, number>;
  rss?: Record<TargetName, { afterStartMb: number; peakMb: number; endMb: number }>;
  scale?: unknown;
  soak?: unknown;
  profile?: unknown;
  failed: string[];
}

const datasetSummary = ({ notAccepted: _n, customerIds: _c, ...rest }: Dataset) => rest;

async function comparison(options: Options, admin: Connection, report: Report, secret: string, profileDir: string | null): Promise<void> {
  const dataset = await prepare(options, admin, options.customers);
  report.dataset = datasetSummary(dataset);
  const { product, baseline } = await startTargets(options, secret, true, profileDir);
  const s: Session = { options, token: await signToken(secret), dataset, product, baseline, meter: new StatementMeter(admin), admin };
  try {
    await s.meter.calibrate();
    out('\nChecking that both servers give the same answers ...');
    const scenarios: Scenario[] = [];
    // d writes, so it is set up (and run) last.
    for (const key of options.scenarios.filter((k) => k !== 'd')) scenarios.push(await scenarioOf(s, key));
    if (options.scenarios.includes('d')) scenarios.push(await scenarioOf(s, 'd'));
    report.scenarios = [];
    for (const [i, scenario] of scenarios.entries()) {
      const result = await measure(s, scenario, i % 2 === 0);
      report.scenarios.push(result);
      if (scenario.key === 'a') report.statementsByPageSize = await statementsByPageSize(s);
    }
    report.rss = {
      product: rssSummary(product),
      baseline: rssSummary(baseline!),
    };
  } finally {
    await stopTargets([product, baseline]);
  }
  out('\n================================================================ results');
  printMachine(report.machine, options, dataset);
  for (const result of report.scenarios ?? []) printScenario(result);
  if (report.statementsByPageSize) {
    out('\nSQL statements per request of the product for pages of 10, 100 and 500 customers with totalCount (target: the same, at most 3):');
    out(`  ${Object.entries(report.statementsByPageSize).map(([k, v]) => `${k}: ${fixed(v, 2)}`).join('; ')}`);
  }
  out('\nServer RSS (MB): after start-up / peak / at the end');
  for (const [name, r] of Object.entries(report.rss ?? {})) out(`  ${name.padEnd(8)} ${fixed(r.afterStartMb, 0)} / ${fixed(r.peakMb, 0)} / ${fixed(r.endMb, 0)}`);
  printTargets(report);
  for (const r of report.scenarios ?? []) if (r.targets.some((t) => t.errors > 0)) report.failed.push(`scenario ${r.key} had errors`);
}

const rssSummary = (t: Target) => ({ afterStartMb: t.samples[0]?.mb ?? 0, peakMb: t.peak(), endMb: t.samples.at(-1)?.mb ?? 0 });

function printMachine(m: Machine, options: Options, dataset?: Dataset): void {
  out(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Linux ${m.kernel}; Node ${m.node}; MariaDB/MySQL ${m.database}; ${m.date}`);
  out(
    options.soak !== null
      ? `Load: autocannon, ${options.connections} connections, pipelining 1, warm-up ${options.warmup} s, then ${options.soak} s against the product only.`
      : `Load: autocannon, ${options.connections} connections, pipelining 1, warm-up ${options.warmup} s, ${options.duration} s per server; ` +
          `SQL/request from ${options.statementRequests} sequential requests (server counter 'Questions'); load generator, both servers and the database share the machine.`,
  );
  out(
    options.ownDatabase
      ? 'Database: the benchmark\'s own MariaDB server (--own-database), reached by no other client.'
      : `Database: ${options.databaseUrl.replace(/\/\/[^@]*@/, '//')} (shared: other clients' statements may disturb the figures).`,
  );
  if (dataset) out(`Data set: ${dataset.customers} customers of the bench partner (${dataset.acceptances} acceptances).`);
}

function printTargets(report: Report): void {
  const rows: string[][] = [];
  for (const r of report.scenarios ?? []) {
    if (r.ratio !== null && r.ratioTarget !== null) rows.push([`${r.key}: req/s ratio >= ${r.ratioTarget}`, fixed(r.ratio, 2), r.ratio >= r.ratioTarget ? 'PASS' : 'FAIL']);
  }
  for (const r of report.scenarios ?? []) {
    if (r.key === 'a' || r.key === 'c') {
      const p = r.targets[0];
      const verdict = p.statements <= 3.0001 ? 'PASS' : p.otherClientStatements > 0 ? 'FAIL? (other clients)' : 'FAIL';
      rows.push([`${r.key}: SQL statements per request <= 3`, fixed(p.statements, 2), verdict]);
    }
  }
  const sizes = Object.values(report.statementsByPageSize ?? {});
  if (sizes.length) {
    const constant = sizes.every((v) => Math.abs(v - sizes[0]) < 0.01);
    rows.push(['SQL statements constant in page size (10/100/500)', sizes.map((v) => fixed(v, 2)).join('/'), constant ? 'PASS' : 'FAIL']);
  }
  const a = report.scenarios?.find((r) => r.key === 'a');
  if (a) rows.push(['a: p99 < 50 ms at 10 connections', `${fixed(a.targets[0].p99, 0)} ms`, a.targets[0].p99 < 50 ? 'PASS' : 'FAIL']);
  for (const r of report.scenarios ?? []) {
    const errors = r.targets.reduce((n, t) => n + t.errors, 0);
    rows.push([`${r.key}: errors (must be 0)`, String(errors), errors === 0 ? 'PASS' : 'FAIL']);
  }
  out('\nTargets');
  out(table(['target', 'measured', 'verdict'], rows));
}

async function scale(options: Options, admin: Connection, report: Report, secret: string): Promise<void> {
  const sizes = [10_000, options.customers];
  const figures: Record<number, ScenarioResult[]> = {};
  const plans: Record<number, { label: string; sql: string; plan: string }[]> = {};
  for (const size of sizes) {
    const dataset = await prepare(options, admin, size);
    const { product, baseline } = await startTargets(options, secret, true, null);
    const s: Session = { options, token: await signToken(secret), dataset, product, baseline, meter: new StatementMeter(admin), admin };
    try {
      await s.meter.calibrate();
      out('\nChecking that both servers give the same answers ...');
      const scenarios = [];
      for (const key of ['a', 'a0', 'c', 'c0'] as const) scenarios.push(await scenarioOf(s, key));
      figures[size] = [];
      for (const [i, scenario] of scenarios.entries()) figures[size].push(await measure(s, scenario, i % 2 === 0));
      plans[size] = [];
      for (const statement of await productListStatements(options.databaseUrl, BENCH_PARTNER as Partner)) {
        plans[size].push({ label: statement.label, sql: statement.sql, plan: await analyze(admin, statement) });
      }
    } finally {
      await stopTargets([product, baseline]);
    }
  }
  out('\n================================================================ scale results');
  printMachine(report.machine, options);
  for (const size of sizes) {
    out(`\n---- ${size} customers`);
    for (const r of figures[size]) printScenario(r);
  }
  const [small, large] = sizes;
  out(`\nThe product's statements for a and c at ${large} customers (MariaDB ANALYZE: EXPLAIN's plan plus r_rows, the rows each step really read):`);
  for (const p of plans[large]) out(`\n${p.label}\n${p.sql}\n${p.plan}`);
  out(`\nRows read at ${small} customers, for comparison:`);
  for (const p of plans[small]) out(`\n${p.label}\n${p.plan}`);
  const rows: string[][] = [];
  for (const r of figures[large]) {
    for (const t of r.targets) {
      const before = figures[small].find((x) => x.key === r.key)!.targets.find((x) => x.target === t.target)!;
      const growth = Math.max(t.p50 / before.p50, t.p99 / before.p99);
      rows.push([
        `${r.key} ${t.target}`,
        `${fixed(before.p50, 0)} / ${fixed(before.p99, 0)}`,
        `${fixed(t.p50, 0)} / ${fixed(t.p99, 0)}`,
        `${fixed(before.serialP50, 2)} -> ${fixed(t.serialP50, 2)}`,
        `${fixed(before.reqPerSec)} -> ${fixed(t.reqPerSec)}`,
        fixed(growth, 2),
        r.key === 'a' || r.key === 'c' ? (t.target === 'product' ? (growth <= 2 ? 'PASS' : 'FAIL') : '') : '',
      ]);
    }
  }
  out(`\nLatency at ${small} and at ${large} customers (target for the product's a and c: within 2x)`);
  out(table(['scenario', `p50/p99 ms @${small}`, `p50/p99 ms @${large}`, '1-conn p50 ms', 'req/s', 'x', 'verdict'], rows));
  report.scale = { sizes, figures, plans };
  for (const size of sizes) for (const r of figures[size]) if (r.targets.some((t) => t.errors > 0)) report.failed.push(`scale ${size}: scenario ${r.key} had errors`);
}

async function soak(options: Options, admin: Connection, report: Report, secret: string, profileDir: string | null): Promise<void> {
  const seconds = options.soak!;
  const dataset = await prepare(options, admin, options.customers);
  report.dataset = datasetSummary(dataset);
  const { product } = await startTargets(options, secret, false, profileDir);
  const s: Session = { options, token: await signToken(secret), dataset, product, baseline: null, meter: new StatementMeter(admin), admin };
  let result: Load;
  let soakStart = 0;
  try {
    const scenario = await scenarioOf(s, 'a');
    product.phase = 'warm-up';
    await load(s, product, scenario, options.warmup);
    product.phase = 'soak';
    product.sample();
    soakStart = product.samples.at(-1)!.at;
    out(`\nSoak: scenario a against the product for ${seconds} s ...`);
    result = await load(s, product, scenario, seconds);
    product.sample();
  } finally {
    await stopTargets([product]);
  }
  const samples = product.samples.filter((x) => x.phase === 'soak');
  const atMinute = samples.find((x) => x.at - soakStart >= 60_000) ?? samples[0];
  const end = samples.at(-1)!;
  const growth = (end.mb - atMinute.mb) / atMinute.mb;
  out('\n================================================================ soak results');
  printMachine(report.machine, options, dataset);
  out(
    table(
      ['scenario', 'seconds', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RSS MB at 1 min', 'RSS MB at end', 'peak MB', 'growth'],
      [['a (product)', seconds, fixed(result.reqPerSec), fixed(result.p50, 0), fixed(result.p99, 0), result.errors, fixed(atMinute.mb, 0), fixed(end.mb, 0), fixed(Math.max(...samples.map((x) => x.mb)), 0), `${fixed(100 * growth, 1)}%`]],
    ),
  );
  out(`RSS growth from minute 1 to the end: ${fixed(100 * growth, 1)}% (target < 10%: ${growth < 0.1 ? 'PASS' : 'FAIL'})`);
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
      if (options.soak !== null) await soak(options, admin, report, secret, profileDir);
      else if (options.scale) await scale(options, admin, report, secret);
      else await comparison(options, admin, report, secret, profileDir);
    } finally {
      await admin.end();
    }
  } finally {
    await own?.stop();
  }
  if (profileDir) {
    const profiles: Record<string, unknown> = {};
    for (const name of ['product', 'baseline'] as const) {
      const dir = join(profileDir, name);
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
      for (const file of files) {
        const summary = summariseProfile(join(dir, file));
        out(`\nCPU profile of the ${name}: ${join(dir, file)} (the figures above were measured under the profiler: slower)`);
        out(formatProfile(summary));
        profiles[name] = { file: join(dir, file), top: summary.functions.slice(0, 25), inclusive: summary.inclusive.slice(0, 25), packages: summary.packages.slice(0, 20) };
      }
    }
    if (Object.keys(profiles).length === 0) out(`\nNo CPU profile was written to ${profileDir}.`);
    report.profile = profiles;
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
