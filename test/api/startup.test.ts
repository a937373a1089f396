import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const READY_WITHIN_MS = 10_000;

interface Started {
  child: ChildProcess;
  url: string;
  token: string;
  /** Everything printed on stdout up to and including the token. */
  banner: string;
  readyAfterMs: number;
}

let dir: string;
const running = new Set<ChildProcess>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mca-start-test-'));
});
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const environment = (databaseUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  DATABASE_URL: databaseUrl,
  PORT: '0',
  HOST: '127.0.0.1',
  NODE_ENV: 'development',
  JWT_SECRET: '',
  JWT_JWKS_URL: '',
  JWT_ISSUER: '',
  JWT_AUDIENCE: '',
  ...extra,
});

/** Starts `node dist/src/main.js` (what `npm start` runs) and waits for the URL and the token it prints. */
function start(databaseUrl: string): Promise<Started> {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: environment(databaseUrl), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      reject(new Error(`not ready within ${READY_WITHIN_MS} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, READY_WITHIN_MS);
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      const url = /GraphQL API ready at (http:\/\/\S+)\n/.exec(stdout);
      const token = /\nToken \([^)]*\):\n([\w-]+\.[\w-]+\.[\w-]+)\n/.exec(stdout);
      if (url && token) {
        clearTimeout(timer);
        resolve({ child, url: url[1], token: token[1], banner: stdout, readyAfterMs: Date.now() - spawnedAt });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
}

function stop(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    child.kill('SIGTERM');
  });
}

/** Runs main until it exits on its own; for configurations it must refuse. */
function runToExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve({ code, stderr });
    });
  });
}

async function ask(started: Started, query: string): Promise<any> {
  const response = await fetch(started.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${started.token}` },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(200);
  return response.json();
}

describe('npm start on an embedded database', () => {
  const databaseUrl = () => `sqlite:${join(dir, 'data', 'mca.sqlite')}`;
  let first: Started;

  it('migrates, loads the demo and prints a URL and a token within 10 s', async () => {
    first = await start(databaseUrl());
    console.log(`npm start on an empty embedded database was ready after ${first.readyAfterMs} ms`);
    expect(first.readyAfterMs).toBeLessThan(READY_WITHIN_MS);
    expect(first.banner).toContain('Demo data loaded. GraphQL API ready at');
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(first.url).not.toMatch(/:0\/graphql$/);
  });

  it('answers the printed URL with the printed token: Contoso CSP sees its 150 demo customers', async () => {
    const answer = await ask(first, '{ me { userId roles partner { name } } customers(first: 5) { totalCount nodes { id } } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data.me).toEqual({ userId: 'demo-admin', roles: ['ADMIN_AGENT'], partner: { name: 'Contoso CSP' } });
    expect(answer.data.customers.totalCount).toBe(150);
    expect(answer.data.customers.nodes).toHaveLength(5);
  });

  it("prints the signing link of the demo's pending acceptance request beside the token, and the link opens its page", async () => {
    const link = /Signing link of the demo's pending acceptance request[^\n]*\n(http\S+\/sign\/[A-Za-z0-9_-]{43})\n/.exec(first.banner)?.[1];
    expect(link).toBeDefined();
    const page = await fetch(`${new URL(first.url).origin}${new URL(link!).pathname}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Southridge Bank');
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await stop(first.child)).toEqual({ code: 0, signal: null });
  });

  it('does not load the demo again when restarted on the same file, and says nothing about demo data', async () => {
    const second = await start(databaseUrl());
    console.log(`npm start on the same database again was ready after ${second.readyAfterMs} ms`);
    expect(second.readyAfterMs).toBeLessThan(READY_WITHIN_MS);
    expect(second.banner).not.toMatch(/demo data/i);
    expect(second.banner).toContain('GraphQL API ready at');
    const again = await ask(second, '{ customers(first: 5) { totalCount } }');
    expect(again.data.customers.totalCount).toBe(150);
    await stop(second.child);
  });

  it('refuses to start with an invalid PORT, naming it, and exits with 1', async () => {
    const { code, stderr } = await runToExit(environment(`sqlite:${join(dir, 'port.sqlite')}`, { PORT: '70000' }));
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
  });

  it('refuses to start with a CORS_ORIGINS entry that is not an origin, naming it, and exits with 1', async () => {
    const { code, stderr } = await runToExit(environment(`sqlite:${join(dir, 'cors.sqlite')}`, { CORS_ORIGINS: 'https://portal.example.com/app' }));
    expect(code).toBe(1);
    expect(stderr).toContain('CORS_ORIGINS');
  });

  it('refuses to start in production without JWT_SECRET or JWT_JWKS_URL, and exits with 1', async () => {
    const { code, stderr } = await runToExit(environment(`sqlite:${join(dir, 'prod.sqlite')}`, { NODE_ENV: 'production' }));
    expect(code).toBe(1);
    expect(stderr).toContain('JWT_SECRET');
  });
});
