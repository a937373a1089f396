import { Acceptance, AcceptanceChannel, AcceptanceMethod } from '../../src/acceptances/acceptance.entity';
import { AgreementType } from '../../src/agreements/agreement.entity';
import { Role } from '../../src/auth/roles';
import { Customer, PartnerCustomer } from '../../src/customers/customer.entity';
import { insertRows } from '../../src/shared/insert-rows';
import { CurrentAcceptance } from '../../src/status/current-acceptance.entity';
import { fixedClock } from '../../src/shared/clock';
import { statementsSentForRequests as statementsSent } from '../../src/shared/statement-counter';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { MCA_V1, P, partners } from '../helpers/fixtures';
import { HEAP_PROBE, heapOf } from '../helpers/process-memory';
import { startServerProcess } from '../helpers/server-process';

const CUSTOMERS = 100_000;
/** Every how many customers one has a current acceptance. */
const ACCEPTED_EVERY = 4;
const MB = 1024 * 1024;
/**
 * Growth of the server's live heap allowed while 100,000 rows (13 MB of CSV)
 * stream out; holding the whole CSV before sending it would take more.
 */
const MAX_HEAP_GROWTH = 10 * MB;

const idOf = (i: number) => `V-${String(i).padStart(6, '0')}`;

/** 100,000 customers of one partner, every fourth with a current acceptance, in multi-row INSERTs. */
async function seedCustomers(app: TestApp): Promise<void> {
  const createdAt = new Date('2024-01-01T00:00:00.000Z');
  const recordedAt = new Date('2024-03-01T10:00:00.000Z');
  const batch = 10_000;
  const type = AgreementType.MICROSOFT_CUSTOMER_AGREEMENT;
  for (let start = 1; start <= CUSTOMERS; start += batch) {
    const numbers = Array.from({ length: Math.min(batch, CUSTOMERS - start + 1) }, (_, k) => start + k);
    const accepted = numbers.filter((i) => i % ACCEPTED_EVERY === 0);
    await app.server.services.db.write(async (em) => {
      await insertRows(
        em,
        Customer,
        numbers.map((i) =>
          Object.assign(new Customer(), {
            id: idOf(i),
            companyName: `Volume Customer ${idOf(i)}`,
            domain: `${idOf(i).toLowerCase()}.example.com`,
            primaryContact: { firstName: 'Vera', lastName: 'Volume', email: `admin@${idOf(i).toLowerCase()}.example.com`, phoneNumber: null },
            searchText: `volume customer ${idOf(i).toLowerCase()}\n${idOf(i).toLowerCase()}.example.com`,
            createdAt,
          }),
        ),
      );
      await insertRows(
        em,
        PartnerCustomer,
        numbers.map((i) => Object.assign(new PartnerCustomer(), { partnerId: P.direct, customerId: idOf(i), sortName: `volume customer ${idOf(i).toLowerCase()}` })),
      );
      await insertRows(
        em,
        Acceptance,
        accepted.map((i) =>
          Object.assign(new Acceptance(), {
            id: `VA-${i}`,
            customerId: idOf(i),
            partnerId: P.direct,
            templateId: MCA_V1,
            agreementType: type,
            method: AcceptanceMethod.CONFIRMATION,
            channel: AcceptanceChannel.IMPORT,
            scenario: null,
            acceptedBy: { firstName: 'Vera', lastName: 'Volume', email: 'vera@volume.example', phoneNumber: null },
            dateAgreed: '2024-03-01',
            recordedBy: { userId: 'import', role: Role.ADMIN_AGENT },
            recordedAt,
            sequence: 1,
          }),
        ),
      );
      await insertRows(
        em,
        CurrentAcceptance,
        accepted.map((i) =>
          Object.assign(new CurrentAcceptance(), { partnerId: P.direct, customerId: idOf(i), agreementType: type, acceptanceId: `VA-${i}`, templateId: MCA_V1, dateAgreed: '2024-03-01', method: 'CONFIRMATION', lastSequence: 1 }),
        ),
      );
    });
  }
}

/** Reads a CSV response as it arrives, keeping nothing but the unfinished last line. */
async function readCsv(response: Response) {
  expect(response.status).toBe(200);
  const decoder = new TextDecoder();
  const read = { records: 0, bytes: 0, accepted: 0, header: '', lastId: '', inOrder: true };
  let rest = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    read.bytes += chunk.length;
    const lines = (rest + decoder.decode(chunk, { stream: true })).split('\r\n');
    rest = lines.pop()!;
    for (const line of lines) {
      read.records += 1;
      if (read.records === 1) {
        read.header = line;
        continue;
      }
      const id = line.slice(0, line.indexOf(','));
      if (id <= read.lastId) read.inOrder = false;
      read.lastId = id;
      if (line.includes(',ACCEPTED,true,')) read.accepted += 1;
    }
  }
  expect(rest).toBe('');
  return read;
}

describe.each(testDatabases())('acceptance status report of 100,000 customers (%s)', (kind) => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock('2026-11-21T04:00:00.000Z'), sharedDatabase: true });
    await app.seed({ partners: partners() });
    const started = Date.now();
    await seedCustomers(app);
    console.log(`${kind}: seeded ${CUSTOMERS} customers in ${Date.now() - started} ms`);
    token = await app.token(P.direct, ['ADMIN_AGENT']);
  }, 120_000);
  afterAll(() => app.close());

  it('streams them all in order in bounded memory', async () => {
    // The export runs in a server process of its own, which samples its own live heap: the cost of measuring
    // depends on what that server holds, not on what this test process holds.
    const server = await startServerProcess(app.databaseUrl, {}, HEAP_PROBE);
    try {
      const get = () => fetch(`${server.url}/v1/reports/acceptance-status.csv`, { headers: { authorization: `Bearer ${token}` } });
      // Warm up: the first request compiles and caches what every later one uses.
      await (await fetch(`${server.url}/v1/agreements`, { headers: { authorization: `Bearer ${token}` } })).text();
      await heapOf(server);
      const started = Date.now();
      const read = await readCsv(await get());
      const ms = Date.now() - started;
      const heap = await heapOf(server);
      const growth = heap.peak - heap.baseline;
      console.log(
        `${kind}: exported ${read.records - 1} customers + header (${(read.bytes / MB).toFixed(1)} MB of CSV) in ${ms} ms; ` +
          `peak live heap of the server ${(growth / MB).toFixed(1)} MB above its ${(heap.baseline / MB).toFixed(1)} MB before the export`,
      );
      expect(read.header.startsWith('customerId,companyName,')).toBe(true);
      expect(read.records).toBe(CUSTOMERS + 1);
      expect(read.lastId).toBe(idOf(CUSTOMERS));
      expect(read.inOrder).toBe(true);
      expect(read.accepted).toBe(CUSTOMERS / ACCEPTED_EVERY);
      expect(growth).toBeLessThan(MAX_HEAP_GROWTH);
    } finally {
      await server.stop();
    }
  }, 180_000);

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
