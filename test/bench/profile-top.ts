/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went:
 * the functions with the most self time, with file:line, and self time per
 * package (node_modules/<name>, the application's own code, Node internals).
 *
 *   node dist/test/bench/profile-top.js FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './servers';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  name: string;
  where: string;
  selfMs: number;
}

/** Where a frame lives: a path relative to the checkout, or `node:internal`. */
function location(frame: CallFrame): string {
  if (!frame.url) return '';
  const path = frame.url.startsWith('file://') ? new URL(frame.url).pathname : frame.url;
  const shown = path.startsWith('/') ? relative(ROOT, path) : path;
  return `${shown}:${frame.lineNumber + 1}`;
}

/** The package a frame belongs to, for the per-package summary. */
function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] === 'sql-escaper' ? 'mysql2 (sql-escaper)' : modules[1];
  if (url.startsWith('node:')) {
    if (/async_hooks/.test(url)) return 'node: async_hooks (AsyncLocalStorage promise hooks)';
    if (/crypto/.test(url)) return 'node: crypto';
    if (/modules\/|loader/.test(url)) return 'node: module loading (start-up)';
    if (/streams|net|http|stream_base/.test(url)) return 'node: http, net, streams';
    return 'node: other';
  }
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const inRepo = relative(ROOT, path);
  if (inRepo.startsWith('dist/src/')) return `application: ${inRepo.split('/').slice(2, 3).join('/')}`;
  return inRepo;
}

/**
 * Native socket writes. A sample taken while the thread waits to run again
 * inside the write system call lands here too: on a loaded machine, where the
 * write wakes the database server and the scheduler switches to it, this is
 * mostly time the process did not get the CPU, not work it did.
 */
const SOCKET_WRITES = new Set(['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String']);

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  /** Self time of native socket writes, kept apart from the busy time. */
  socketWriteMs: number;
  functions: Entry[];
  /** Time with the function anywhere on the stack (counted once per sample), JavaScript functions only. */
  inclusive: Entry[];
  packages: { name: string; selfMs: number }[];
}

/** Self time per function (name + file:line) and per package, from the samples' time deltas. */
export function summariseProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const functions = new Map<string, Entry>();
  const packages = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let socketWriteMs = 0;
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    totalMs += ms;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    if (!frame.url && SOCKET_WRITES.has(frame.functionName)) {
      socketWriteMs += ms;
      continue;
    }
    const name = frame.functionName || '(anonymous)';
    const where = location(frame);
    const key = `${name} ${where}`;
    const entry = functions.get(key) ?? { name, where, selfMs: 0 };
    entry.selfMs += ms;
    functions.set(key, entry);
    const pkg = packageOf(frame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  }
  const inclusive = new Map<string, Entry>();
  for (const [id, ms] of self) {
    const own = byId.get(id)!.callFrame;
    if (own.functionName === '(idle)' || (!own.url && SOCKET_WRITES.has(own.functionName))) continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!frame.url || frame.url.startsWith('node:')) continue;
      const name = frame.functionName || '(anonymous)';
      const where = location(frame);
      const key = `${name} ${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { name, where, selfMs: 0 };
      entry.selfMs += ms;
      inclusive.set(key, entry);
    }
  }
  return {
    totalMs,
    idleMs,
    socketWriteMs,
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs),
    inclusive: [...inclusive.values()].sort((a, b) => b.selfMs - a.selfMs),
    packages: [...packages.entries()].map(([name, selfMs]) => ({ name, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/**
 * The summary as text: top functions by self time and by total time, then
 * packages. Percentages are of busy time: neither idle nor in socket writes.
 */
export function formatProfile(summary: ProfileSummary, top = 25): string {
  const busy = summary.totalMs - summary.idleMs - summary.socketWriteMs;
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `CPU profile: ${seconds(summary.totalMs)} sampled: ${seconds(summary.idleMs)} idle, ${seconds(summary.socketWriteMs)} in native ` +
      `socket writes (on a loaded machine mostly waiting for the CPU inside the system call), ${seconds(busy)} busy; ` +
      'percentages are of busy time.',
    '',
    `Top ${top} functions by self time:`,
    `${'self ms'.padStart(9)} ${'%'.padStart(6)}  function  file:line`,
    ...summary.functions
      .slice(0, top)
      .map((e) => `${e.selfMs.toFixed(0).padStart(9)} ${pct(e.selfMs)}  ${e.name}  ${e.where}`),
    '',
    `Top ${top} JavaScript functions by total time (self and callees):`,
    `${'total ms'.padStart(9)} ${'%'.padStart(6)}  function  file:line`,
    ...summary.inclusive
      .slice(0, top)
      .map((e) => `${e.selfMs.toFixed(0).padStart(9)} ${pct(e.selfMs)}  ${e.name}  ${e.where}`),
    '',
    'Self time by package:',
    ...summary.packages.slice(0, 20).map((p) => `${p.selfMs.toFixed(0).padStart(9)} ${pct(p.selfMs)}  ${p.name}`),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/test/bench/profile-top.js FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summariseProfile(file), top ? Number(top) : 25)}\n`);
}
