import type { EntityManager } from 'typeorm';
import type { ChainedAuditEvent } from './audit.entities';
import type { AuditRepository } from './audit.repository';
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
export async function verifyChains(em: EntityManager, repository: AuditRepository, pageSize = PAGE): Promise<ChainReport> {
  const partners = await repository.partnersChained(em);
  const report: ChainReport = { chains: partners.length, events: 0, breaks: [] };
  for (const partnerId of partners) {
    const walked = await verifyChain(em, repository, partnerId, pageSize);
    report.events += walked.events;
    if (walked.break) report.breaks.push(walked.break);
  }
  return report;
}

async function verifyChain(em: EntityManager, repository: AuditRepository, partnerId: string, pageSize: number): Promise<{ events: number; break?: ChainBreak }> {
  let previous: ChainedAuditEvent | null = null;
  let events = 0;
  const broken = (event: ChainedAuditEvent, problem: ChainProblem, detail: string) => ({
    events,
    break: { partnerId, sequence: event.sequence, eventId: event.id, problem, detail },
  });
  for (;;) {
    const after: number = previous?.sequence ?? 0;
    const rows = await repository.chainPage(em, partnerId, after, pageSize);
    for (const event of rows) {
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

  const head = await repository.head(em, partnerId);
  const lastSequence = previous?.sequence ?? 0;
  const headSequence = head ? head.lastSequence : 0;
  if (!head || headSequence !== lastSequence || head.lastHash !== (previous?.hash ?? GENESIS_HASH)) {
    const detail = !head
      ? 'the chain has no head'
      : headSequence > lastSequence
        ? `the chain head is at sequence ${headSequence}, the last event at ${lastSequence}: last events removed`
        : `the chain head (sequence ${headSequence}) does not match the last event (sequence ${lastSequence})`;
    return { events, break: { partnerId, sequence: lastSequence + 1, eventId: null, problem: 'head mismatch', detail } };
  }
  return { events };
}
