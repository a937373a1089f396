import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { insertRows } from '../../src/cli/import';
import { fixedClock } from '../../src/shared/clock';
import { statementsSent } from '../../src/shared/statement-counter';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { MCA_V1, P, partners } from '../helpers/fixtures';

const CUSTOMERS = 100_000;
/** Every how many customers one has a current acceptance. */
const ACCEPTED_EVERY = 4;
const MB = 1024 * 1024;
/**
 * Growth allowed while 100,000 rows (13 MB of CSV) stream out. Measured: 11 to
 * 18 MB of heap on either database (each run prints its figures); holding the
 * whole CSV before sending it measured 41 MB, so this bound tells the two apart.
 */
const MAX_HEAP_GROWTH = 10 * MB;
const MAX_RSS_GROWTH = 100 * MB;

// A full collection before the baseline, so that garbage left by the seeding does not hide growth.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const idOf = (i: number) => `V-${String(i).padStart(6, '0')}`;

/** 100,000 customers of one partner, every fourth with a current acceptance, in multi-row INSERTs. */
async function seedCustomers(app: TestApp): Promise<void> {
  const createdAt = new Date('2024-01-01T00:00:00.000Z');
  const recordedAt = new Date('2024-03-01T10:00:00.000Z');
  const batch = 10_000;
  for (let start = 1; start <= CUSTOMERS; start += batch) {
    const numbers = Array.from({ length: Math.min(batch, CUSTOMERS - start + 1) }, (_, k) => start + k);
    await app.db.transaction(async (tx) => {
      await insertRows(
        tx,
        'customers',
        numbers.map((i) => ({
          id: idOf(i),
          company_name: `Volume Customer ${idOf(i)}`,
          domain: `${idOf(i).toLowerCase()}.example.com`,
          contact_first_name: 'Vera',
          contact_last_name: 'Volume',
          contact_email: `admin@${idOf(i).toLowerCase()}.example.com`,
          contact_phone_number: null,
          search_text: `volume customer ${idOf(i).toLowerCase()}\n${idOf(i).toLowerCase()}.example.com`,
          created_at: createdAt,
        })),
      );
      await insertRows(
        tx,
        'partner_customers',
        numbers.map((i) => ({ partner_id: P.direct, customer_id: idOf(i), sort_name: `volume customer ${idOf(i).toLowerCase()}` })),
      );
      const accepted = numbers.filter((i) => i % ACCEPTED_EVERY === 0);
      await insertRows(
        tx,
        'acceptances',
        accepted.map((i) => ({
          id: `VA-${i}`,
          customer_id: idOf(i),
          partner_id: P.direct,
          template_id: MCA_V1,
          agreement_type: 'MICROSOFT_CUSTOMER_AGREEMENT',
          method: 'CONFIRMATION',
          channel: 'IMPORT',
          scenario: null,
          accepted_by_first_name: 'Vera',
          accepted_by_last_name: 'Volume',
          accepted_by_email: 'vera@volume.example',
          accepted_by_phone_number: null,
          date_agreed: '2024-03-01',
          recorded_by_user_id: 'import',
          recorded_by_role: 'ADMIN_AGENT',
          recorded_at: recordedAt,
          sequence: 1,
        })),
      );
      await insertRows(
        tx,
        'current_acceptances',
        accepted.map((i) => ({
          partner_id: P.direct,
          customer_id: idOf(i),
          agreement_type: 'MICROSOFT_CUSTOMER_AGREEMENT',
          acceptance_id: `VA-${i}`,
          template_id: MCA_V1,
          sequence: 1,
        })),
      );
    });
  }
}

describe.each(testDatabases())('acceptance status report of 100,000 customers (%s)', (kind) => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock('2026-11-21T04:00:00.000Z') });
    await app.seed({ partners: partners() });
    const started = Date.now();
    await seedCustomers(app);
    console.log(`${kind}: seeded ${CUSTOMERS} customers in ${Date.now() - started} ms`);
    token = await app.token(P.direct, ['ADMIN_AGENT']);
  }, 120_000);
  afterAll(() => app.close());

  it('streams them all in order in bounded memory', async () => {
    const statementsBefore = statementsSent();
    collectGarbage();
    const baseline = process.memoryUsage();
    let peakHeap = baseline.heapUsed;
    let peakRss = baseline.rss;
    // What the export holds on to, not the garbage it has not yet been made to give back: collected before each sample.
    const sampler = setInterval(() => {
      collectGarbage();
      const { heapUsed, rss } = process.memoryUsage();
      peakHeap = Math.max(peakHeap, heapUsed);
      peakRss = Math.max(peakRss, rss);
    }, 100);
    const started = Date.now();
    let records = 0;
    let bytes = 0;
    let accepted = 0;
    let previousId = '';
    let inOrder = true;
    let header = '';
    try {
      const response = await fetch(`${app.url}/v1/reports/acceptance-status.csv`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      // Read as it arrives, keeping nothing but the unfinished last line.
      const decoder = new TextDecoder();
      let rest = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        const lines = (rest + decoder.decode(chunk, { stream: true })).split('\r\n');
        rest = lines.pop()!;
        for (const line of lines) {
          records += 1;
          if (records === 1) {
            header = line;
            continue;
          }
          const id = line.slice(0, line.indexOf(','));
          if (id <= previousId) inOrder = false;
          previousId = id;
          if (line.includes(',ACCEPTED,true,')) accepted += 1;
        }
      }
      expect(rest).toBe('');
    } finally {
      clearInterval(sampler);
    }
    const ms = Date.now() - started;
    const heapGrowth = peakHeap - baseline.heapUsed;
    const rssGrowth = peakRss - baseline.rss;
    const statements = statementsSent() - statementsBefore;
    console.log(
      `${kind}: exported ${records - 1} customers + header (${(bytes / MB).toFixed(1)} MB of CSV) in ${ms} ms with ${statements} statements; ` +
        `peak growth: heap ${(heapGrowth / MB).toFixed(1)} MB, RSS ${(rssGrowth / MB).toFixed(1)} MB ` +
        `(baseline heap ${(baseline.heapUsed / MB).toFixed(1)} MB, RSS ${(baseline.rss / MB).toFixed(1)} MB)`,
    );
    expect(header.startsWith('customerId,companyName,')).toBe(true);
    expect(records).toBe(CUSTOMERS + 1);
    expect(previousId).toBe(idOf(CUSTOMERS));
    expect(inOrder).toBe(true);
    expect(accepted).toBe(CUSTOMERS / ACCEPTED_EVERY);
    expect(heapGrowth).toBeLessThan(MAX_HEAP_GROWTH);
    expect(rssGrowth).toBeLessThan(MAX_RSS_GROWTH);
  }, 60_000);

  it('waits for a client that reads slowly, and stops reading pages when it goes away', async () => {
    const fullExport = 2 * Math.ceil(CUSTOMERS / 500);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 500));
    /** Statements of this export once they have stopped growing for a while (or after 30 s). */
    const settled = async () => {
      let last = -1;
      for (let round = 0; round < 60; round++) {
        const now = statementsSent() - before;
        if (now === last) return now;
        last = now;
        await pause();
      }
      return last;
    };
    const controller = new AbortController();
    const before = statementsSent();
    const response = await fetch(`${app.url}/v1/reports/acceptance-status.csv`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    // The client reads no further: once the buffers between them are full, the server waits.
    const stalled = await settled();
    controller.abort();
    await reader.read().catch(() => undefined);
    const afterAbort = await settled();
    await pause();
    const later = statementsSent() - before;
    console.log(
      `${kind}: a client that stopped reading after the first chunk held the export at ${stalled} statements ` +
        `(a full export: about ${fullExport}); ${later} once it went away`,
    );
    expect(stalled).toBeLessThan(fullExport);
    // At most the page under way when the client left is read; then nothing more.
    expect(afterAbort - stalled).toBeLessThanOrEqual(2);
    expect(later).toBe(afterAbort);
    const { status } = await app.rest('GET', '/v1/agreements', { token });
    expect(status).toBe(200);
  });

  it('cuts the connection when a page fails after the CSV has begun, and logs why', async () => {
    const response = await fetch(`${app.url}/v1/reports/acceptance-status.csv`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const reader = response.body!.getReader();
    await reader.read();
    await app.db.query('ALTER TABLE current_acceptances RENAME TO current_acceptances_gone');
    let received = 0;
    let failure: unknown = null;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
    } catch (error) {
      failure = error;
    } finally {
      await app.db.query('ALTER TABLE current_acceptances_gone RENAME TO current_acceptances');
    }
    expect(failure).toMatchObject({ name: 'TypeError', message: 'terminated' });
    expect(received).toBeLessThan(13 * MB);
    const logged = app.logs.filter((line) => line.includes(requestId!)).map((line) => JSON.parse(line));
    expect(logged).toEqual([expect.objectContaining({ level: 50, requestId, msg: 'response cut short' })]);
  });
});
