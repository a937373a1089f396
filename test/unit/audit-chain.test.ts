import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalForm, type ChainedEvent, GENESIS_HASH, hashOf } from '../../src/audit/chain';

const event = (overrides: Partial<ChainedEvent> = {}): ChainedEvent => ({
  id: '0b6f7c1e-4a55-4b8e-9d0e-2f1d3c4b5a69',
  partnerId: 'p-direct',
  sequence: 1,
  at: new Date('2026-11-21T04:00:00.000Z'),
  userId: 'agent-7',
  rolesHeld: 'ADMIN_AGENT,SALES_AGENT',
  roleUsed: 'ADMIN_AGENT',
  operation: 'CONFIRM_ACCEPTANCE',
  customerId: 'C-1',
  outcome: 'SUCCEEDED',
  code: null,
  acceptanceId: 'A-1',
  requestId: 'req-1',
  correlationId: null,
  previousHash: GENESIS_HASH,
  ...overrides,
});

describe('the audit hash chain', () => {
  it('starts from 64 zeros', () => {
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });

  it('hashes the canonical form with SHA-256, which stays what it is (stored chains depend on it)', () => {
    expect(canonicalForm(event())).toBe(
      '["audit-event/1","0b6f7c1e-4a55-4b8e-9d0e-2f1d3c4b5a69","p-direct",1,"2026-11-21T04:00:00.000Z","agent-7",' +
        '"ADMIN_AGENT,SALES_AGENT","ADMIN_AGENT","CONFIRM_ACCEPTANCE","C-1","SUCCEEDED",null,"A-1","req-1",null,' +
        '"0000000000000000000000000000000000000000000000000000000000000000"]',
    );
    expect(hashOf(event())).toBe('fffb023d8af9964f904a937abc2d202da3bf432756ae3e09546faff45af7c5f4');
  });

  it.each<[keyof ChainedEvent, unknown]>([
    ['id', 'another-id'],
    ['partnerId', 'p-other'],
    ['sequence', 2],
    ['at', new Date('2026-11-21T04:00:00.001Z')],
    ['userId', 'agent-8'],
    ['rolesHeld', 'ADMIN_AGENT'],
    ['roleUsed', null],
    ['operation', 'ATTEST_ACCEPTANCE'],
    ['customerId', null],
    ['outcome', 'REFUSED'],
    ['code', 'FORBIDDEN'],
    ['acceptanceId', null],
    ['requestId', null],
    ['correlationId', 'corr-1'],
    ['previousHash', 'f'.repeat(64)],
  ])('changes when %s changes', (field, value) => {
    expect(hashOf(event({ [field]: value }))).not.toBe(hashOf(event()));
  });

  it('tells a null from the text "null" and never lets one field run into the next', () => {
    expect(hashOf(event({ code: 'null' }))).not.toBe(hashOf(event({ code: null })));
    expect(hashOf(event({ userId: 'a', rolesHeld: 'b,c' }))).not.toBe(hashOf(event({ userId: 'a","b', rolesHeld: 'c' })));
  });

  it('is never updated or deleted by the application: no statement in src/ changes a stored event', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : [path];
      });
    const offending = files(join(__dirname, '..', '..', 'src')).filter((file) =>
      /\b(UPDATE\s+audit_events|DELETE\s+FROM\s+audit_events|REPLACE\s+INTO\s+audit_events)\b/i.test(readFileSync(file, 'utf8')),
    );
    expect(offending).toEqual([]);
  });
});
