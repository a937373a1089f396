import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_SECRET } from './app';

const root = join(__dirname, '..', '..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
}

/**
 * The compiled server (`node dist/src/main.js`, as `npm start` runs it) in a
 * process of its own, in production mode, over an existing database.
 */
export async function startServerProcess(databaseUrl: string, env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = [], startupMs = 15_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', JWT_SECRET: TEST_SECRET, ...PRODUCTION_SIGNING, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server process did not start:\n${output}`)), startupMs);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server process exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** What production needs for the signing page: its public https:// address and a secret of 32+ characters. */
export const PRODUCTION_SIGNING = { SIGNING_BASE_URL: 'https://mca.example.com', SIGNING_SECRET: 'production signing secret for the tests, 32+ chars' };
