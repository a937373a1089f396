import { join } from 'node:path';
import type { ServerProcess } from './server-process';

/** Node options that load the heap probe into a server process (see heap-probe.js). */
export const HEAP_PROBE = ['--expose-gc', '--require', join(__dirname, 'heap-probe.js')];

/**
 * The live heap of a server process started with HEAP_PROBE: what it held
 * when last asked (or at start) and the most it has held since; the next
 * reading starts from now.
 */
export async function heapOf(server: ServerProcess): Promise<{ baseline: number; peak: number }> {
  const seen = server.output().length;
  server.child.kill('SIGUSR2');
  for (let waited = 0; waited < 10_000; waited += 20) {
    const match = /heap-probe (\{[^\n]*\})\n/.exec(server.output().slice(seen));
    if (match) return JSON.parse(match[1]) as { baseline: number; peak: number };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the heap probe did not answer');
}
