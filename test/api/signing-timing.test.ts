import { Agent, request } from 'node:http';
import { newSigningToken } from '../../src/signing/signing-token';
import { type SigningServer, startSigningServer } from '../helpers/signing';

const ROUNDS = 200;
const WARM_UP = 50;
/** How far apart the medians may be: well under what a network hop varies by. */
const BOUND_MS = 0.2;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

describe('timing of links that are not valid', () => {
  let server: SigningServer;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    server = await startSigningServer();
  });
  afterAll(async () => {
    agent.destroy();
    await server.close();
  });

  /** Milliseconds from sending a GET to its last byte, over one kept-alive connection. */
  const time = (url: string) =>
    new Promise<{ ms: number; status: number; body: string }>((resolve, reject) => {
      const started = process.hrtime.bigint();
      request(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
      })
        .on('error', reject)
        .end();
    });

  it(`an unknown link and an expired or cancelled one take the same time (medians of ${ROUNDS} alternating requests within ${BOUND_MS} ms)`, async () => {
    const links = {
      unknown: server.link(newSigningToken().token),
      expired: server.link(server.port.add({ expiresAt: new Date(Date.now() - 1000) })),
      cancelled: server.link(server.port.add({ status: 'CANCELLED' })),
    };
    const times: Record<keyof typeof links, number[]> = { unknown: [], expired: [], cancelled: [] };
    const bodies = new Set<string>();
    for (let round = 0; round < WARM_UP + ROUNDS; round++) {
      // Alternate, and rotate who goes first, so that drift on a busy machine falls on all alike.
      const order = (['unknown', 'expired', 'cancelled'] as const).map((_, i, all) => all[(i + round) % all.length]);
      for (const kind of order) {
        const answer = await time(links[kind]);
        expect(answer.status).toBe(404);
        bodies.add(answer.body);
        if (round >= WARM_UP) times[kind].push(answer.ms);
      }
    }
    expect(bodies.size).toBe(1);
    const medians = { unknown: median(times.unknown), expired: median(times.expired), cancelled: median(times.cancelled) };
    const differences = { expired: medians.expired - medians.unknown, cancelled: medians.cancelled - medians.unknown };
    console.log(
      `median ms over ${ROUNDS} requests each: unknown ${medians.unknown.toFixed(3)}, expired ${medians.expired.toFixed(3)}, cancelled ${medians.cancelled.toFixed(3)}; ` +
        `difference to unknown: expired ${differences.expired.toFixed(3)}, cancelled ${differences.cancelled.toFixed(3)}`,
    );
    expect(Math.abs(differences.expired)).toBeLessThan(BOUND_MS);
    expect(Math.abs(differences.cancelled)).toBeLessThan(BOUND_MS);
  });
});
