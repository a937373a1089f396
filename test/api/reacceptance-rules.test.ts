import { beginningOf } from '../../src/shared/calendar';
import { startApp, type TestApp } from '../helpers/app';
import { manualClock } from '../helpers/clock';
import { parseCsv } from '../helpers/csv';
import { testDatabases } from '../helpers/databases';
import { acceptance, customer, MCA_V1, offers, P, partners, template } from '../helpers/fixtures';

const LIST = `query ($filter: CustomerFilter) {
  customers(first: 500, filter: $filter) { totalCount nodes { id agreementStatus { status canTransact outdatedFrom } } }
}`;
const CONFIRM = 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }';
const REPORT = '/v1/reports/acceptance-status.csv';

const RULE_DAY = '2026-11-25';
const VERSION_DAY = '2026-12-01';
const V2 = 'MCA-RULES-V2';

/**
 * A re-acceptance rule and a version published for a later day: statuses read
 * ACCEPTED with their outdatedFrom day until the instant the day begins (in
 * UTC+14) and OUTDATED from that instant, with no write in between, in every
 * read, filter, count and the report; the events tell it ahead and when it happens.
 */
describe.each(testDatabases())('re-acceptance rules and versions taking effect (%s)', (kind) => {
  let app: TestApp;
  let token: string;
  const clock = manualClock('2026-11-21T04:00:00.000Z');
  const at = (instant: Date) => clock.advance(instant.getTime() - clock.now().getTime());

  beforeAll(async () => {
    app = await startApp(kind, { clock });
    await app.seed({
      partners: partners(),
      offers: offers(),
      customers: ['R-1', 'R-2', 'R-3', 'R-4'].map((id) => customer(id)),
      acceptances: [
        acceptance('RA-1', 'R-1', P.direct, { dateAgreed: '2023-03-01', recordedAt: '2023-03-01T10:00:00.000Z' }),
        acceptance('RA-2', 'R-2', P.direct, { dateAgreed: '2023-05-01', recordedAt: '2023-05-01T10:00:00.000Z' }),
        acceptance('RA-3', 'R-3', P.direct, { dateAgreed: '2022-01-01', recordedAt: '2022-01-01T10:00:00.000Z' }),
      ],
    });
    token = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());

  const list = async (filter: Record<string, unknown> = {}) => {
    const { body } = await app.gql(token, LIST, { filter });
    expect(body.errors).toBeUndefined();
    return body.data!.customers as { totalCount: number; nodes: { id: string; agreementStatus: { status: string; canTransact: boolean; outdatedFrom: string | null } }[] };
  };
  /** Every status by customer, after checking that each filter and count agrees with them, and the report too. */
  const statuses = async () => {
    const all = await list();
    expect(all.totalCount).toBe(all.nodes.length);
    const byId = Object.fromEntries(all.nodes.map((n) => [n.id, n.agreementStatus]));
    for (const status of ['ACCEPTED', 'OUTDATED', 'NOT_ACCEPTED']) {
      const filtered = await list({ agreementStatus: status });
      const expected = all.nodes.filter((n) => n.agreementStatus.status === status).map((n) => n.id);
      expect({ status, ids: filtered.nodes.map((n) => n.id), totalCount: filtered.totalCount }).toEqual({ status, ids: expected, totalCount: expected.length });
    }
    const transacting = await list({ canTransact: true });
    expect(transacting.totalCount).toBe(all.nodes.filter((n) => n.agreementStatus.canTransact).length);
    const report = await app.rest('GET', REPORT, { token });
    const [header, ...rows] = parseCsv(report.text);
    const fromReport = Object.fromEntries(rows.map((row) => [row[header.indexOf('customerId')], [row[header.indexOf('status')], row[header.indexOf('outdatedFrom')] || null]]));
    expect(fromReport).toEqual(Object.fromEntries(all.nodes.map((n) => [n.id, [n.agreementStatus.status, n.agreementStatus.outdatedFrom]])));
    return byId;
  };
  const outdatedBy = async (day: string) => {
    const page = await list({ outdatedBy: day });
    expect(page.totalCount).toBe(page.nodes.length);
    return page.nodes.map((n) => n.id);
  };
  const events = async (type: string) => {
    const rows = await app.db.query<{ customer_id: string; body: string }>(`SELECT customer_id, body FROM status_events WHERE type = ? ORDER BY position`, [type]);
    return rows.map((row): Record<string, unknown> => ({ customerId: row.customer_id, ...(JSON.parse(row.body) as { data: Record<string, unknown> }).data }));
  };

  it('a published rule gives the acceptances under it their day', async () => {
    await app.seed({ agreements: [template(MCA_V1, 1, { effectiveDate: '2019-10-01', reacceptance: { acceptedBefore: '2023-04-01', outdatedFrom: RULE_DAY } })] });
    await app.server.services.fanouts.runDue();
    const marked = await statuses();
    expect(marked['R-1']).toEqual({ status: 'ACCEPTED', canTransact: true, outdatedFrom: RULE_DAY });
    expect(marked['R-2']).toEqual({ status: 'ACCEPTED', canTransact: true, outdatedFrom: null });
    expect(marked['R-3']).toEqual({ status: 'ACCEPTED', canTransact: true, outdatedFrom: RULE_DAY });
    expect(marked['R-4']).toEqual({ status: 'NOT_ACCEPTED', canTransact: false, outdatedFrom: null });
  });

  it('outdatedBy lists the customers that become OUTDATED on or before the day, with constant statements per page', async () => {
    expect(await outdatedBy('2026-11-24')).toEqual([]);
    expect(await outdatedBy(RULE_DAY)).toEqual(['R-1', 'R-3']);
    const statements = await app.countStatements(() => list({ outdatedBy: RULE_DAY }));
    expect(statements).toBeLessThanOrEqual(2);
  });

  it('tells ahead, once: AGREEMENT_STATUS_WILL_CHANGE for each status that got a day', async () => {
    const told = await events('AGREEMENT_STATUS_WILL_CHANGE');
    expect(told.map((e) => [e.customerId, e.outdatedFrom, e.reason])).toEqual([
      ['R-1', RULE_DAY, 'REACCEPTANCE_RULE'],
      ['R-3', RULE_DAY, 'REACCEPTANCE_RULE'],
    ]);
  });

  it('the instant before the day begins, nothing has changed; from the instant it begins, the statuses are OUTDATED, without a write', async () => {
    at(new Date(beginningOf(RULE_DAY).getTime() - 1));
    const before = await statuses();
    expect(Object.values(before).map((s) => s.status)).toEqual(['ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'NOT_ACCEPTED']);
    expect(await app.server.services.fanouts.runDue()).toBe(0);
    at(beginningOf(RULE_DAY));
    const after = await statuses();
    expect(after['R-1']).toEqual({ status: 'OUTDATED', canTransact: false, outdatedFrom: null });
    expect(after['R-2']).toEqual({ status: 'ACCEPTED', canTransact: true, outdatedFrom: null });
    expect(after['R-3']).toEqual({ status: 'OUTDATED', canTransact: false, outdatedFrom: null });
    expect(await outdatedBy(RULE_DAY)).toEqual([]);
  });

  it('the change is an AGREEMENT_STATUS_CHANGED event, written when the day begins', async () => {
    const byRule = async () => (await events('AGREEMENT_STATUS_CHANGED')).filter((e) => e.reason === 'REACCEPTANCE_RULE');
    expect(await byRule()).toEqual([]);
    await app.server.services.fanouts.runDue();
    const changed = await byRule();
    expect(changed.map((e) => [e.customerId, e.previous, e.status, e.reason])).toEqual([
      ['R-1', 'ACCEPTED', 'OUTDATED', 'REACCEPTANCE_RULE'],
      ['R-3', 'ACCEPTED', 'OUTDATED', 'REACCEPTANCE_RULE'],
    ]);
    expect(await app.server.services.fanouts.runDue()).toBe(0);
  });

  it('accepting again clears it: ACCEPTED, counted so, and told as a change', async () => {
    const { body } = await app.gql(token, CONFIRM, { input: { customerId: 'R-1', dateAgreed: RULE_DAY } });
    expect(body.errors).toBeUndefined();
    expect((await statuses())['R-1']).toEqual({ status: 'ACCEPTED', canTransact: true, outdatedFrom: null });
    const changed = await events('AGREEMENT_STATUS_CHANGED');
    expect(changed.at(-1)).toMatchObject({ customerId: 'R-1', previous: 'OUTDATED', status: 'ACCEPTED', reason: 'ACCEPTANCE_RECORDED' });
    expect((await events('ACCEPTANCE_RECORDED')).at(-1)).toMatchObject({ customerId: 'R-1', templateId: MCA_V1, dateAgreed: RULE_DAY });
  });

  it('a version published for a later day is not accepted before it, and shows its day on the statuses it will change', async () => {
    await app.seed({ agreements: [template(V2, 2, { effectiveDate: VERSION_DAY })] });
    await app.server.services.fanouts.runDue();
    const { body } = await app.gql(token, CONFIRM, { input: { customerId: 'R-4', templateId: V2, dateAgreed: RULE_DAY } });
    expect(body.errors?.[0].extensions?.code).toBe('DATE_BEFORE_EFFECTIVE');
    const now = await statuses();
    expect(now['R-1']).toEqual({ status: 'ACCEPTED', canTransact: true, outdatedFrom: VERSION_DAY });
    expect(now['R-2']).toEqual({ status: 'ACCEPTED', canTransact: true, outdatedFrom: VERSION_DAY });
    expect(await outdatedBy(VERSION_DAY)).toEqual(['R-1', 'R-2']);
    const told = await events('AGREEMENT_STATUS_WILL_CHANGE');
    expect(told.slice(2).map((e) => [e.customerId, e.outdatedFrom, e.reason])).toEqual([
      ['R-1', VERSION_DAY, 'NEW_VERSION'],
      ['R-2', VERSION_DAY, 'NEW_VERSION'],
    ]);
  });

  it('the version takes effect at the instant its day begins, and the change is told', async () => {
    at(new Date(beginningOf(VERSION_DAY).getTime() - 1));
    expect(Object.values(await statuses()).map((s) => s.status)).toEqual(['ACCEPTED', 'ACCEPTED', 'OUTDATED', 'NOT_ACCEPTED']);
    at(beginningOf(VERSION_DAY));
    expect(Object.values(await statuses()).map((s) => s.status)).toEqual(['OUTDATED', 'OUTDATED', 'OUTDATED', 'NOT_ACCEPTED']);
    await app.server.services.fanouts.runDue();
    const changed = await events('AGREEMENT_STATUS_CHANGED');
    expect(changed.filter((e) => e.reason === 'NEW_VERSION').map((e) => [e.customerId, e.previous, e.status])).toEqual([
      ['R-1', 'ACCEPTED', 'OUTDATED'],
      ['R-2', 'ACCEPTED', 'OUTDATED'],
    ]);
    const { body } = await app.gql(token, CONFIRM, { input: { customerId: 'R-4', templateId: V2, dateAgreed: VERSION_DAY } });
    expect(body.errors).toBeUndefined();
  });

  it('a write that is rolled back leaves no event', async () => {
    const [{ n: before }] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM status_events');
    // The acceptance of the older version is recorded, then the purchase gate refuses the order: all of it is undone.
    const order = `mutation ($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }`;
    const { body } = await app.gql(token, order, {
      input: { customerId: 'R-2', lineItems: [{ offerId: offers()[0].id, quantity: 1 }], agreementAcceptance: { templateId: MCA_V1, dateAgreed: VERSION_DAY } },
    });
    expect(body.errors?.[0].extensions?.code).toBe('ACCEPTANCE_REQUIRED');
    const [{ n: after }] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM status_events');
    expect(Number(after)).toBe(Number(before));
  });

  it('a published rule cannot change', async () => {
    await expect(app.seed({ agreements: [template(MCA_V1, 1, { effectiveDate: '2019-10-01', reacceptance: { acceptedBefore: '2023-05-01', outdatedFrom: RULE_DAY } })] })).rejects.toThrow(
      /agreements\[0\]\.reacceptance: .* cannot change/,
    );
  });
});
