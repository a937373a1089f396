import { type CurrentCandidate, replacesCurrent } from '../../src/acceptances/current-rule';

const record = (overrides: Partial<CurrentCandidate> = {}): CurrentCandidate => ({
  versionRank: 1,
  dateAgreed: '2026-01-01',
  recordedAt: new Date('2026-01-02T00:00:00.000Z'),
  sequence: 1,
  ...overrides,
});

describe('the record a status rests on', () => {
  it('is the first record there is', () => {
    expect(replacesCurrent(record(), null)).toBe(true);
  });

  it('is never replaced by a record of a lower-ranked version, however recent', () => {
    const current = record({ versionRank: 2 });
    expect(replacesCurrent(record({ versionRank: 1, dateAgreed: '2026-12-31', recordedAt: new Date('2027-01-01'), sequence: 9 }), current)).toBe(false);
  });

  it('is replaced by a record of a higher-ranked version, however old its date', () => {
    expect(replacesCurrent(record({ versionRank: 3, dateAgreed: '2019-10-01' }), record({ versionRank: 2 }))).toBe(true);
  });

  it('within one version, goes by the later dateAgreed before the order of recording', () => {
    const current = record({ dateAgreed: '2026-03-01', sequence: 1 });
    expect(replacesCurrent(record({ dateAgreed: '2026-02-01', recordedAt: new Date('2027-01-01'), sequence: 2 }), current)).toBe(false);
    expect(replacesCurrent(record({ dateAgreed: '2026-03-02', sequence: 2 }), current)).toBe(true);
  });

  it('within one version and date, is the one recorded last, by time and then by sequence', () => {
    const current = record({ sequence: 4 });
    expect(replacesCurrent(record({ recordedAt: new Date('2026-01-03T00:00:00.000Z'), sequence: 1 }), current)).toBe(true);
    expect(replacesCurrent(record({ sequence: 5 }), current)).toBe(true);
    expect(replacesCurrent(record({ sequence: 3 }), current)).toBe(false);
  });
});
