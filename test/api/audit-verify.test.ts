import { AuditChainHead, ChainedAuditEvent } from '../../src/audit/audit.entities';
import { verifyChains } from '../../src/audit/verify-chains';
import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { cli } from '../helpers/cli';
import { testDatabases } from '../helpers/databases';
import { customer, P, partners } from '../helpers/fixtures';

const CONFIRM = 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }';

describe.each(testDatabases())('npm run cli -- audit verify (%s)', (kind) => {
  let app: TestApp;
  let events: ChainedAuditEvent[];
  let heads: AuditChainHead[];

  const verify = () => cli(app.databaseUrl, ['audit', 'verify']);

  /** The stored event of a partner at a sequence. */
  const eventAt = async (partnerId: string, sequence: number) =>
    (await app.server.services.db.read((em) => em.findOneBy(ChainedAuditEvent, { partnerId, sequence })))!;
  const verifyPaged = (pageSize: number) => app.server.services.db.read((em) => verifyChains(em, app.server.services.auditRecords, pageSize));

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock('2026-11-21T04:00:00.000Z'), sharedDatabase: true });
    await app.seed({
      partners: partners(),
      customers: [...['V-1', 'V-2', 'V-3', 'V-4'].map((id) => customer(id)), customer('V-OTHER', { partnerIds: [P.other] })],
    });
    // p-direct: six events (four confirmations, two refusals); p-other: two.
    const direct = await app.token(P.direct, ['ADMIN_AGENT']);
    const other = await app.token(P.other, ['SALES_AGENT']);
    for (const [token, customerId, dateAgreed] of [
      [direct, 'V-1', '2026-11-20'],
      [direct, 'V-2', '2026-11-20'],
      [direct, 'V-3', '2026-11-30'],
      [direct, 'V-3', '2026-11-20'],
      [other, 'V-OTHER', '2026-11-20'],
      [direct, 'V-4', '2026-11-20'],
      [direct, 'V-1', '2026-11-20'],
      [other, 'V-OTHER', '2026-11-20'],
    ]) {
      await app.gql(token, CONFIRM, { input: { customerId, dateAgreed } });
    }
    await app.chainAudit();
    [events, heads] = await app.server.services.db.read((em) => Promise.all([em.find(ChainedAuditEvent), em.find(AuditChainHead)]));
  });
  afterAll(() => app.close());

  // Every test leaves the trail as it found it.
  afterEach(async () => {
    await app.server.services.db.write(async (em) => {
      await em.createQueryBuilder().delete().from(ChainedAuditEvent).execute();
      await em.createQueryBuilder().delete().from(AuditChainHead).execute();
      await em.insert(ChainedAuditEvent, events);
      await em.insert(AuditChainHead, heads);
    });
  });

  it('passes intact chains: prints the number of events and chains, exits 0', async () => {
    expect(await verify()).toEqual({ code: 0, stdout: 'ok: 8 events in 2 chains\n', stderr: '' });
  });

  it.each([
    ['customer_id', 'V-4'],
    ['outcome', 'SUCCEEDED'],
    ['code', 'ACCEPTANCE_ALREADY_EXISTS'],
    ['user_id', 'someone-else'],
    ['roles_held', 'ADMIN_AGENT,GLOBAL_ADMIN'],
    ['role_used', 'SALES_AGENT'],
    ['operation', 'ATTEST_ACCEPTANCE'],
    ['acceptance_id', 'A-FORGED'],
    ['request_id', 'req-forged'],
    ['correlation_id', 'corr-forged'],
  ])('finds an event whose %s was edited: altered, exit 1', async (column, value) => {
    const target = await eventAt(P.direct, 3);
    await app.db.query(`UPDATE audit_events SET ${column} = ? WHERE id = ?`, [value, target.id]);
    const run = await verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`broken: partner ${P.direct}, sequence 3, event ${target.id}: altered (its content does not match its hash)\n1 of 2 chains broken\n`);
  });

  it("finds an event moved into another partner's chain", async () => {
    const moved = await eventAt(P.direct, 3);
    await app.db.query('UPDATE audit_events SET partner_id = ? WHERE id = ?', [P.provider, moved.id]);
    const run = await verify();
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual([
      `broken: partner ${P.direct}, sequence 4, event ${(await eventAt(P.direct, 4)).id}: missing (no event with sequence 3 before it: a gap in the sequence)`,
      `broken: partner ${P.provider}, sequence 3, event ${moved.id}: missing (no event with sequence 1 to 2 before it: a gap in the sequence)`,
      '2 of 3 chains broken',
    ]);
  });

  it('finds an event whose time was edited', async () => {
    const target = await eventAt(P.direct, 2);
    await app.server.services.db.write((em) => em.update(ChainedAuditEvent, { id: target.id }, { at: new Date('2026-11-20T04:00:00.000Z') }));
    const run = await verify();
    expect(run).toMatchObject({ code: 1, stdout: `broken: partner ${P.direct}, sequence 2, event ${target.id}: altered (its content does not match its hash)\n1 of 2 chains broken\n` });
  });

  it('finds a deleted event: the next one follows a gap in the sequence', async () => {
    const [gone, next] = [await eventAt(P.direct, 3), await eventAt(P.direct, 4)];
    await app.db.query('DELETE FROM audit_events WHERE id = ?', [gone.id]);
    expect(await verify()).toEqual({
      code: 1,
      stdout: `broken: partner ${P.direct}, sequence 4, event ${next.id}: missing (no event with sequence 3 before it: a gap in the sequence)\n1 of 2 chains broken\n`,
      stderr: '',
    });
  });

  it('finds two swapped events: out of order', async () => {
    const [second, fourth] = [await eventAt(P.direct, 2), await eventAt(P.direct, 4)];
    await app.db.query('UPDATE audit_events SET sequence = 0 WHERE id = ?', [second.id]);
    await app.db.query('UPDATE audit_events SET sequence = 2 WHERE id = ?', [fourth.id]);
    await app.db.query('UPDATE audit_events SET sequence = 4 WHERE id = ?', [second.id]);
    const run = await verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `broken: partner ${P.direct}, sequence 2, event ${fourth.id}: out of order (its previous_hash does not match the hash of the event before it)\n1 of 2 chains broken\n`,
    );
  });

  it('finds the last events removed: the chain head does not match', async () => {
    await app.db.query('DELETE FROM audit_events WHERE partner_id = ? AND sequence >= 5', [P.direct]);
    expect(await verify()).toEqual({
      code: 1,
      stdout: `broken: partner ${P.direct}, sequence 5, event (none): head mismatch (the chain head is at sequence 6, the last event at 4: last events removed)\n1 of 2 chains broken\n`,
      stderr: '',
    });
  });

  it('finds a whole chain removed but for its head', async () => {
    await app.db.query('DELETE FROM audit_events WHERE partner_id = ?', [P.other]);
    const run = await verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`broken: partner ${P.other}, sequence 1, event (none): head mismatch (the chain head is at sequence 2, the last event at 0: last events removed)\n`);
  });

  it('reports the first break of every broken chain', async () => {
    const [edited, deleted] = [await eventAt(P.direct, 2), await eventAt(P.other, 1)];
    await app.db.query("UPDATE audit_events SET code = 'X' WHERE partner_id = ? AND sequence IN (2, 5)", [P.direct]);
    await app.db.query('DELETE FROM audit_events WHERE id = ?', [deleted.id]);
    const run = await verify();
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual([
      `broken: partner ${P.direct}, sequence 2, event ${edited.id}: altered (its content does not match its hash)`,
      `broken: partner ${P.other}, sequence 2, event ${(await eventAt(P.other, 2)).id}: missing (no event with sequence 1 before it: a gap in the sequence)`,
      '2 of 2 chains broken',
    ]);
  });

  it('walks chains a page at a time, across page boundaries', async () => {
    expect(await verifyPaged(2)).toEqual({ chains: 2, events: 8, breaks: [] });
    const [third, fourth] = [await eventAt(P.direct, 3), await eventAt(P.direct, 4)];
    await app.db.query('UPDATE audit_events SET sequence = 0 WHERE id = ?', [third.id]);
    await app.db.query('UPDATE audit_events SET sequence = 3 WHERE id = ?', [fourth.id]);
    await app.db.query('UPDATE audit_events SET sequence = 4 WHERE id = ?', [third.id]);
    const report = await verifyPaged(2);
    expect(report.breaks).toEqual([{ partnerId: P.direct, sequence: 3, eventId: fourth.id, problem: 'out of order', detail: expect.any(String) }]);
  });

  it('refuses `audit` without a known subcommand as a usage error', async () => {
    const run = await cli(app.databaseUrl, ['audit']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('audit needs the subcommand verify');
  });
});
