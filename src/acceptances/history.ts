import type { Contact } from '../customers/contact';
import { DomainError, ErrorCode } from '../shared/errors';
import { type CurrentCandidate, replacesCurrent } from './current-rule';
import { sameSignatory } from './duplicate-rule';

/** A partner's history of one customer and agreement type, as far as a new record is concerned. */
export interface HistoryHead {
  /** The record the status rests on. */
  current: (CurrentCandidate & { id: string; templateId: string; method: string; acceptedBy: Contact }) | null;
  /** The last sequence number given. */
  lastSequence: number;
}

export type NewRecord = Omit<CurrentCandidate, 'sequence'> & { id: string; templateId: string; method: string; acceptedBy: Contact };

/**
 * Appends one record to a history: the one write rule for the API and the
 * import alike. The duplicate rule (Partner Center 600061) refuses a record
 * of the current record's template by the same signatory; otherwise the
 * record takes the next sequence number, and the status rests on it when the
 * current-record rule says so. Returns the record's sequence and the head after it.
 */
export function append(head: HistoryHead, record: NewRecord): { sequence: number; becomesCurrent: boolean; head: HistoryHead } {
  const { current } = head;
  if (current && current.templateId === record.templateId && sameSignatory(current.acceptedBy, record.acceptedBy)) {
    throw new DomainError(
      ErrorCode.ACCEPTANCE_ALREADY_EXISTS,
      'The current acceptance of this agreement version is already by the same person; ' +
        'record a different signatory or a newer version.',
    );
  }
  const sequence = head.lastSequence + 1;
  const candidate = { ...record, sequence };
  const becomesCurrent = replacesCurrent(candidate, current);
  return { sequence, becomesCurrent, head: { current: becomesCurrent ? candidate : current, lastSequence: sequence } };
}
