import type { Sql } from '../shared/db';
import { AUDIT_COLUMNS, type StoredEvent, storedEventFromRow } from './audit.rows';
import { GENESIS_HASH, hashOf } from './chain';

export type ChainProblem = 'altered' | 'missing' | 'out of order' | 'head mismatch';

/** The first event of a partner's chain that does not hold. */
export interface ChainBreak {
  partnerId: string;
  sequence: number;
  /** Null where the event is not there (events removed from the end). */
  eventId: string | null;
  problem: ChainProblem;
  detail: string;
}

export interface ChainReport {
  chains: number;
  events: number;
  breaks: ChainBreak[];
}

const PAGE = 1000;

/**
 * Walks every partner's chain in sequence order, a page at a time, and
 * recomputes each hash: reports the first event per partner that was altered,
 * removed or reordered, and a chain head that does not match its last event.
 */
export async function verifyChains(sql: Sql, pageSize = PAGE): Promise<ChainReport> {
  const partners = await sql.query<{ partner_id: string }>(
    'SELECT partner_id FROM audit_chains UNION SELECT partner_id FROM audit_events ORDER BY partner_id',
  );
  const report: ChainReport = { chains: partners.length, events: 0, breaks: [] };
  for (const { partner_id: partnerId } of partners) {
    const walked = await verifyChain(sql, String(partnerId), pageSize);
    report.events += walked.events;
    if (walked.break) report.breaks.push(walked.break);
  }
  return report;
}

async function verifyChain(sql: Sql, partnerId: string, pageSize: number): Promise<{ events: number; break?: ChainBreak }> {
  let previous: StoredEvent | null = null;
  let events = 0;
  const broken = (event: StoredEvent, problem: ChainProblem, detail: string) => ({
    events,
    break: { partnerId, sequence: event.sequence, eventId: event.id, problem, detail },
  });
  for (;;) {
    const after: number = previous?.sequence ?? 0;
    const rows = await sql.query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE partner_id = ? AND sequence > ? ORDER BY sequence LIMIT ?`,
      [partnerId, after, pageSize],
    );
    for (const event of rows.map(storedEventFromRow)) {
      const expected = (previous?.sequence ?? 0) + 1;
      if (event.sequence !== expected) {
        const gap = event.sequence - 1 === expected ? `${expected}` : `${expected} to ${event.sequence - 1}`;
        return broken(event, 'missing', `no event with sequence ${gap} before it: a gap in the sequence`);
      }
      if (event.previousHash !== (previous?.hash ?? GENESIS_HASH)) {
        return broken(event, 'out of order', 'its previous_hash does not match the hash of the event before it');
      }
      if (hashOf(event) !== event.hash) return broken(event, 'altered', 'its content does not match its hash');
      previous = event;
      events += 1;
    }
    if (rows.length < pageSize) break;
  }

  const [head] = await sql.query<{ last_sequence: number; last_hash: string }>(
    'SELECT last_sequence, last_hash FROM audit_chains WHERE partner_id = ?',
    [partnerId],
  );
  const lastSequence = previous?.sequence ?? 0;
  const headSequence = head ? Number(head.last_sequence) : 0;
  if (!head || headSequence !== lastSequence || head.last_hash !== (previous?.hash ?? GENESIS_HASH)) {
    const detail = !head
      ? 'the chain has no head'
      : headSequence > lastSequence
        ? `the chain head is at sequence ${headSequence}, the last event at ${lastSequence}: last events removed`
        : `the chain head (sequence ${headSequence}) does not match the last event (sequence ${lastSequence})`;
    return { events, break: { partnerId, sequence: lastSequence + 1, eventId: null, problem: 'head mismatch', detail } };
  }
  return { events };
}
