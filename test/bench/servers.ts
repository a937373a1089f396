import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

/** The API, the hand-written baseline, and the plain Apollo Server build. */
export type TargetName = 'product' | 'baseline' | 'peer';

/** How the tables name each. */
export const LABELS: Record<TargetName, string> = { product: 'API', baseline: 'baseline', peer: 'peer' };

/** Child processes still running, ended when the benchmark is interrupted. */
export const running = new Set<{ kill(signal?: NodeJS.Signals): boolean }>();

export interface RssSample {
  /** Milliseconds since the sampler started. */
  at: number;
  /** Resident set size, MB. */
  mb: number;
  /** What was running: scenario and phase. */
  phase: string;
}

/** Resident set size of a process, in MB, from /proc (Linux). */
export function rssOf(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** A server under test in a process of its own, with its RSS sampled every second. */
export class Target {
  readonly samples: RssSample[] = [];
  phase = 'start-up';
  private output = '';
  private readonly started = Date.now();
  private sampler?: NodeJS.Timeout;

  private constructor(
    readonly name: TargetName,
    readonly url: string,
    readonly child: ChildProcess,
  ) {}

  /** Spawns `node <args>` with `env`, waits until GET /healthz answers 200. */
  static async start(name: TargetName, args: string[], env: NodeJS.ProcessEnv): Promise<Target> {
    const port = await freePort();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const target = new Target(name, `http://127.0.0.1:${port}`, child);
    running.add(child);
    child.once('exit', () => running.delete(child));
    child.stdout!.on('data', (chunk) => (target.output += chunk));
    child.stderr!.on('data', (chunk) => (target.output += chunk));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} during start-up:\n${target.output}`);
      if (Date.now() > deadline) throw new Error(`${name} did not answer /healthz within 30 s:\n${target.output}`);
      try {
        if ((await fetch(`${target.url}/healthz`)).status === 200) break;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    target.sample();
    target.sampler = setInterval(() => target.sample(), 1000);
    target.sampler.unref();
    return target;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** What the process wrote to stdout and stderr. */
  log(): string {
    return this.output;
  }

  /** The inspector's WebSocket address, when started with --inspect. */
  inspectorUrl(): string | null {
    return /Debugger listening on (ws:\/\/\S+)/.exec(this.output)?.[1] ?? null;
  }

  sample(): void {
    const mb = rssOf(this.pid);
    if (mb !== null) this.samples.push({ at: Date.now() - this.started, mb, phase: this.phase });
  }

  /** Peak RSS, MB, over the samples taken in phases starting with `prefix` (all when omitted). */
  peak(prefix = ''): number {
    return Math.max(0, ...this.samples.filter((s) => s.phase.startsWith(prefix)).map((s) => s.mb));
  }

  /** SIGTERM, then SIGKILL after 15 s; resolves with the exit code. */
  async stop(): Promise<number | null> {
    clearInterval(this.sampler);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    return new Promise((resolve) => {
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      this.child.once('exit', (code) => {
        clearTimeout(kill);
        resolve(code);
      });
      this.child.kill('SIGTERM');
    });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** CPU time of a process so far, in clock ticks of 10 ms (utime + stime from /proc/<pid>/stat). */
export function ticksOf(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Busy ticks of the whole machine, from /proc/stat (everything but idle and iowait). */
function machineBusyTicks(): number {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = values.map(Number);
  return n.reduce((a, b) => a + b, 0) - n[3] - n[4];
}

/** The pids of every running MariaDB/MySQL server on the machine. */
export function databaseServerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'mariadbd' || comm === 'mysqld') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * How busy the machine was, over a window, with processes other than the
 * benchmark's own (this process, the servers under test, the database
 * servers): a load generator and servers sharing two cores with a test run of
 * someone else measure that run too, and the report should say so.
 */
export class CpuWatch {
  private readonly started = Date.now();
  private readonly busy = machineBusyTicks();
  private readonly ours: number;

  constructor(private readonly pids: number[]) {
    this.ours = this.oursNow();
  }

  private oursNow(): number {
    return ticksOf('self') + this.pids.reduce((sum, pid) => sum + ticksOf(pid), 0);
  }

  /** CPU used by other processes over the window, in cores (1.0 = one core fully busy). */
  otherCores(): number {
    const seconds = (Date.now() - this.started) / 1000;
    const ticksPerSecond = 100; // USER_HZ on Linux
    const other = machineBusyTicks() - this.busy - (this.oursNow() - this.ours);
    return Math.max(0, other / ticksPerSecond / seconds);
  }
}
