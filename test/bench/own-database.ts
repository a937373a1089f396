import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { freePort, running, sleep } from './servers';

/**
 * A MariaDB server of the benchmark's own: nobody else's statements reach it,
 * so its counters are exact, and it keeps per-user statistics.
 */
export interface OwnDatabase {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function find(binary: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin'];
  const found = dirs.map((dir) => join(dir, binary)).find((path) => existsSync(path));
  if (!found) throw new Error(`--own-database needs ${binary} (MariaDB server) on this machine`);
  return found;
}

/**
 * Initialises a data directory in a temporary folder and starts the local
 * `mariadbd` on a free port with its defaults (128 MB buffer pool, durable
 * commits) and utf8mb4; `stop()` shuts it down and removes the folder.
 */
export async function startOwnDatabase(): Promise<OwnDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'mca-bench-mariadb-'));
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ['--user=root'] : [];
  await promisify(execFile)(find('mariadb-install-db'), [
    '--no-defaults',
    `--datadir=${dir}/data`,
    ...user,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await freePort();
  const child: ChildProcess = spawn(
    find('mariadbd'),
    [
      '--no-defaults',
      `--datadir=${dir}/data`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${dir}/mariadb.sock`,
      `--pid-file=${dir}/mariadb.pid`,
      ...user,
      '--skip-name-resolve',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci',
      // Per-user statistics: database time and rows read per request.
      '--userstat=1',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.add(child);
  child.once('exit', () => {
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  });
  let log = '';
  child.stderr!.on('data', (chunk) => (log += chunk));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}:\n${log}`);
    try {
      const connection = await createConnection({ host: '127.0.0.1', port, user: 'root' });
      await connection.end();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`mariadbd did not accept connections within 30 s: ${(error as Error).message}\n${log}`);
      await sleep(200);
    }
  }
  return {
    url: `mysql://root@127.0.0.1:${port}/mca_bench`,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
