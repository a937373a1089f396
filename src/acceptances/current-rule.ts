/** What decides which record a status rests on, for one partner, customer and agreement type. */
export interface CurrentCandidate {
  /** The rank of the record's template. */
  versionRank: number;
  /** YYYY-MM-DD. */
  dateAgreed: string;
  recordedAt: Date;
  /** Order of recording among records of one millisecond. */
  sequence: number;
}

/**
 * The record a status rests on is one of the highest-ranked template; among
 * those, the latest `dateAgreed`, then the latest recorded. Recording an older
 * version (history from paper) therefore never lowers a status. Positive when
 * `a` ranks before `b`.
 */
export function compareCurrent(a: CurrentCandidate, b: CurrentCandidate): number {
  return (
    a.versionRank - b.versionRank ||
    (a.dateAgreed < b.dateAgreed ? -1 : a.dateAgreed > b.dateAgreed ? 1 : 0) ||
    a.recordedAt.getTime() - b.recordedAt.getTime() ||
    a.sequence - b.sequence
  );
}

/** Whether `candidate` replaces `current` (none yet: it does). */
export const replacesCurrent = (candidate: CurrentCandidate, current: CurrentCandidate | null): boolean =>
  current === null || compareCurrent(candidate, current) > 0;
