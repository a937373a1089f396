import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'index.js');

/** The JWT secret the CLI runs with. */
export const CLI_SECRET = 'a CLI test secret that is at least 32 characters long';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI as `npm run cli -- ...` does, against `databaseUrl` (with `extraEnv` besides). */
export function cli(databaseUrl: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, JWT_SECRET: CLI_SECRET, JWT_JWKS_URL: '', JWT_ISSUER: '', JWT_AUDIENCE: '', ...extraEnv };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
