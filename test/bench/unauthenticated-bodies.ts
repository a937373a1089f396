import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../../src/auth/tokens';
import { DEMO_PARTNER_ID } from '../../src/imports/demo';
import { loadConfig } from '../../src/config';
import { median, timedPost } from '../helpers/raw-http';
import { ROOT, Target } from './servers';

/**
 * What a request without a token costs the others: the time to a 401 for a
 * keyed mutation of about 490,000 tokens (median of 10, next to a small one),
 * and a signed-in `{ me { userId } }` while six such bodies arrive. Runs the
 * compiled server (`dist/src/main.js`, or the one named) on a fresh embedded
 * database with the demo data.
 *
 *   npx tsc -p tsconfig.bench.json && node dist/test/bench/unauthenticated-bodies.js [main.js]
 */
async function main(): Promise<void> {
  const mainJs = process.argv[2] ?? join(ROOT, 'dist', 'src', 'main.js');
  const dir = mkdtempSync(join(tmpdir(), 'mca-unauthenticated-'));
  const secret = 'unauthenticated bodies measurement secret, 32+ characters';
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'mca.sqlite')}`,
    JWT_SECRET: secret,
    LOG_LEVEL: 'warn',
    // Only the cost of a 401 is measured here, not the limit of them.
    RATE_LIMIT_UNAUTHENTICATED_BURST: '100000',
    RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '100000',
  };
  const server = await Target.start('product', [mainJs], env);
  try {
    const graphql = `${server.url}/graphql`;
    const huge = JSON.stringify({ query: `mutation { ${'a '.repeat(489_997)}}` });
    const small = JSON.stringify({ query: 'mutation { a }' });
    const keyed = { 'content-type': 'application/json', 'idempotency-key': 'no-token' };
    const token = await signToken(loadConfig({ JWT_SECRET: secret }).tokens, { partnerId: DEMO_PARTNER_ID, userId: 'measure', roles: ['ADMIN_AGENT'], expiresIn: '1h' });
    const signedIn = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const me = JSON.stringify({ query: '{ me { userId } }' });

    const times = { small: [] as number[], huge: [] as number[], alone: [] as number[] };
    const statuses = new Set<number>();
    for (let i = 0; i < 10; i++) {
      for (const [name, body] of [['small', small], ['huge', huge]] as const) {
        const answer = await timedPost(graphql, keyed, body).answer;
        statuses.add(answer.status);
        times[name].push(answer.ms);
      }
      times.alone.push((await timedPost(graphql, signedIn, me).answer).ms);
    }
    const parallel = Array.from({ length: 6 }, (_, i) => timedPost(graphql, { ...keyed, 'idempotency-key': `parallel-${i}` }, huge));
    await Promise.all(parallel.map((p) => p.delivered));
    const meanwhile = await timedPost(graphql, signedIn, me).answer;
    for (const answer of await Promise.all(parallel.map((p) => p.answer))) statuses.add(answer.status);

    const ms = (n: number) => `${n.toFixed(1)} ms`;
    process.stdout.write(
      `server: ${mainJs}\n` +
        `statuses of the requests without a token: ${[...statuses].join(', ')}\n` +
        `401 without a token, Idempotency-Key, median of 10: small body ${ms(median(times.small))}, ~490,000-token body ${ms(median(times.huge))}\n` +
        `signed-in { me { userId } }: alone (median of 10) ${ms(median(times.alone))}, while 6 ~490,000-token bodies arrive ${ms(meanwhile.ms)} (status ${meanwhile.status})\n`,
    );
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
