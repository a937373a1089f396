import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { requestFingerprint } from '../../src/idempotency/idempotency.service';

/** The fingerprint's canonical JSON as it was first written (recursive), which stored keys were made with. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const fingerprintOf = (text: string) => requestFingerprint('POST', '/graphql', JSON.parse(text));

describe('the fingerprint of a request', () => {
  it('is the same whatever the order of the keys', () => {
    expect(fingerprintOf('{"a":1,"b":{"c":[1,{"d":2,"e":3}]}}')).toBe(fingerprintOf('{"b":{"c":[1,{"e":3,"d":2}]},"a":1}'));
    expect(fingerprintOf('{"a":1}')).not.toBe(fingerprintOf('{"a":2}'));
    expect(fingerprintOf('[1,2]')).not.toBe(fingerprintOf('[2,1]'));
  });

  it('is unchanged for any JSON body: keys stored before still match', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (body) => {
        const expected = createHash('sha256').update(`POST /graphql\n${reference(body)}`).digest('hex');
        expect(requestFingerprint('POST', '/graphql', body)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  // Found by probing the hostile-input cases: a key on a body nested 10,000 deep (20 KB) was a 500.
  it.each([10_000, 500_000])('takes a body nested %i deep, as 1 MB allows', (depth) => {
    const body = JSON.parse(`{"x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    expect(requestFingerprint('POST', '/graphql', body)).toMatch(/^[0-9a-f]{64}$/);
  });
});
