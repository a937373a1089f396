import { beginningOf } from '../../src/shared/calendar';
import { startApp, type TestApp } from '../helpers/app';
import { manualClock } from '../helpers/clock';
import { parseCsv } from '../helpers/csv';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, MCA_V1, MCLOUD, OFFER, offers, P, partners, subscription, template } from '../helpers/fixtures';

const MCA_V2 = 'SC-MCA-V2';
const MCLOUD_V2 = 'SC-MCLOUD-V2';
/** The MCA version 2 rule's day, after the test starts: ACCEPTED with this outdatedFrom until it begins, OUTDATED from then. */
const RULE_DAY = '2026-11-25';
const REPORT = '/v1/reports/acceptance-status.csv';
const TYPES = [
  { type: 'MICROSOFT_CUSTOMER_AGREEMENT', report: 'MicrosoftCustomerAgreement', templates: [MCA_V1, MCA_V2], from: ['2019-10-01', '2025-01-01'] },
  { type: 'MICROSOFT_CLOUD_AGREEMENT', report: 'MicrosoftCloudAgreement', templates: [MCLOUD, MCLOUD_V2], from: ['2018-08-07', '2022-01-01'] },
] as const;
const STATUSES = ['ACCEPTED', 'OUTDATED', 'NOT_ACCEPTED', 'NOT_APPLICABLE'];

const LIST = `query ($type: AgreementType!, $filter: CustomerFilter) {
  customers(first: 500, filter: $filter) {
    totalCount
    nodes { id agreementStatus(type: $type) { status canTransact outdatedFrom acceptance { method agreement { templateId } } } }
  }
}`;
const ONE = `query ($id: ID!, $type: AgreementType!) { customer(id: $id) { agreementStatus(type: $type) { status canTransact outdatedFrom } } }`;
const ORDER = 'mutation ($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }';

interface Status {
  status: string;
  canTransact: boolean;
  outdatedFrom: string | null;
  acceptance: { method: string; agreement: { templateId: string } } | null;
}

/** A small deterministic generator, so that a failure names the same customers on every run. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    chance: (p: number) => next() < p,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  };
}
const dayAfter = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * On a generated set of customers (every status, OUTDATED by rank and by a
 * re-acceptance rule, NOT_APPLICABLE, attestations, both agreement types, three
 * partners), every way of asking gives the same answer: agreementStatus per
 * customer, in a list and alone, the status, canTransact and outdatedBy
 * filters and their totalCount, the CSV report, and the order gate. Before
 * and after a rule's day begins.
 */
describe.each(testDatabases())('one status, whichever way it is asked (%s)', (kind) => {
  const clock = manualClock('2026-11-21T04:00:00.000Z');
  let app: TestApp;
  const tokens: Record<string, string> = {};
  const customerIds: string[] = [];
  let orders = 0;

  beforeAll(async () => {
    app = await startApp(kind, { clock });
    const rng = random(20261121);
    const customers = [];
    const subscriptions = [];
    const acceptances = [];
    for (let n = 0; n < 48; n++) {
      const id = `SC-${String(n).padStart(2, '0')}`;
      customerIds.push(id);
      const related = [P.direct, ...(rng.chance(0.4) ? [P.provider] : []), ...(rng.chance(0.3) ? [P.gov] : [])];
      customers.push(customer(id, { partnerIds: related }));
      const subscribed = rng.chance(0.5);
      if (subscribed) subscriptions.push(subscription(`SC-S-${n}`, id, P.direct, { offerId: OFFER.usage, quantity: null }));
      for (const partnerId of related) {
        for (const { templates, from } of TYPES) {
          const records = rng.pick([0, 0, 1, 1, 2, 3]);
          for (let r = 0; r < records; r++) {
            const version = rng.int(0, 1);
            const dateAgreed = dayAfter(from[version] > '2020-01-01' ? from[version] : '2020-01-01', rng.int(0, 700));
            const attested = subscribed && partnerId === P.direct && rng.chance(0.3);
            acceptances.push(
              acceptance(`SC-A-${n}-${partnerId}-${templates[0]}-${r}`, id, partnerId, {
                templateId: templates[version],
                // A different signatory each time: the same one again on the current version is a duplicate.
                acceptedBy: contact({ firstName: `Signer${r}`, email: `signer${r}@sc.example` }),
                dateAgreed: dateAgreed > '2026-11-20' ? '2026-11-20' : dateAgreed,
                recordedAt: `2026-0${rng.int(1, 9)}-1${rng.int(0, 9)}T1${rng.int(0, 9)}:00:00.000Z`,
                ...(attested ? { method: 'ATTESTATION', scenario: 'EXISTING_PARTNER_NEW_PURCHASE' } : {}),
              }),
            );
          }
        }
      }
    }
    await app.seed({
      partners: partners(),
      offers: offers(),
      agreements: [
        template(MCA_V2, 2, { effectiveDate: '2025-01-01', reacceptance: { acceptedBefore: '2025-06-01', outdatedFrom: RULE_DAY } }),
        template(MCLOUD_V2, 2, {
          type: 'MICROSOFT_CLOUD_AGREEMENT',
          effectiveDate: '2022-01-01',
          reacceptance: { acceptedBefore: '2023-01-01', outdatedFrom: '2026-11-10' },
        }),
      ],
      customers,
      subscriptions,
      acceptances,
    });
    await app.server.services.fanouts.runDue();
    for (const partnerId of [P.direct, P.provider, P.gov]) tokens[partnerId] = await app.token(partnerId, ['ADMIN_AGENT'], `agent-${partnerId}`);
  });
  afterAll(() => app.close());

  const list = async (partnerId: string, type: string, filter: Record<string, unknown> = {}) => {
    const { body } = await app.gql(tokens[partnerId], LIST, { type, filter: { agreementType: type, ...filter } });
    expect(body.errors).toBeUndefined();
    const page = body.data!.customers as { totalCount: number; nodes: { id: string; agreementStatus: Status }[] };
    return { totalCount: page.totalCount, ids: page.nodes.map((n) => n.id), nodes: page.nodes };
  };

  /** Every path's answer for one partner and type, checked against agreementStatus in the list; returns the statuses. */
  const consistent = async (partnerId: string, t: (typeof TYPES)[number]) => {
    const all = await list(partnerId, t.type);
    const byId = Object.fromEntries(all.nodes.map((n) => [n.id, n.agreementStatus]));
    const ids = (keep: (s: Status) => boolean) => all.nodes.filter((n) => keep(n.agreementStatus)).map((n) => n.id);
    expect(all.totalCount).toBe(all.nodes.length);

    // Alone, as in the list.
    for (const id of all.ids) {
      const { body } = await app.gql(tokens[partnerId], ONE, { id, type: t.type });
      const { acceptance: _, ...plain } = byId[id];
      expect({ id, ...(body.data!.customer as { agreementStatus: object }).agreementStatus }).toEqual({ id, ...plain });
    }
    // Each status filter, a pair of them, canTransact and outdatedBy: the same customers, and a totalCount that counts them.
    const expectFilter = async (filter: Record<string, unknown>, expected: string[]) => {
      const page = await list(partnerId, t.type, filter);
      expect({ filter, ids: page.ids, totalCount: page.totalCount }).toEqual({ filter, ids: expected, totalCount: expected.length });
    };
    for (const status of STATUSES) await expectFilter({ agreementStatus: status }, ids((s) => s.status === status));
    await expectFilter({ agreementStatusIn: ['OUTDATED', 'NOT_ACCEPTED'] }, ids((s) => s.status === 'OUTDATED' || s.status === 'NOT_ACCEPTED'));
    await expectFilter({ agreementStatusIn: ['ACCEPTED', 'NOT_APPLICABLE'] }, ids((s) => s.status === 'ACCEPTED' || s.status === 'NOT_APPLICABLE'));
    for (const canTransact of [true, false]) await expectFilter({ canTransact }, ids((s) => s.canTransact === canTransact));
    for (const day of [dayAfter(RULE_DAY, -1), RULE_DAY, '2027-01-01']) {
      await expectFilter({ outdatedBy: day }, ids((s) => s.canTransact && s.outdatedFrom !== null && s.outdatedFrom <= day));
    }
    // canTransact is what the status says it is.
    for (const n of all.nodes) {
      expect([n.id, n.agreementStatus.canTransact]).toEqual([n.id, n.agreementStatus.status === 'ACCEPTED' || n.agreementStatus.status === 'NOT_APPLICABLE']);
    }

    // The report: one record per customer, with the same status, canTransact and outdatedFrom.
    const report = await app.rest('GET', `${REPORT}?agreementType=${t.report}`, { token: tokens[partnerId] });
    expect(report.status).toBe(200);
    const [header, ...rows] = parseCsv(report.text);
    const column = (row: string[], name: string) => row[header.indexOf(name)];
    expect(Object.fromEntries(rows.map((row) => [column(row, 'customerId'), [column(row, 'status'), column(row, 'canTransact'), column(row, 'outdatedFrom') || null]]))).toEqual(
      Object.fromEntries(all.nodes.map((n) => [n.id, [n.agreementStatus.status, String(n.agreementStatus.canTransact), n.agreementStatus.outdatedFrom]])),
    );
    expect(rows).toHaveLength(all.nodes.length);

    // The order gate goes by the MCA: an order is taken exactly where canTransact is true.
    if (t.type === 'MICROSOFT_CUSTOMER_AGREEMENT') {
      for (const n of all.nodes) {
        const { body } = await app.gql(tokens[partnerId], ORDER, { input: { customerId: n.id, lineItems: [{ offerId: OFFER.licence, quantity: 1 }] } }, { 'Idempotency-Key': `sc-order-${++orders}` });
        const outcome = body.errors ? (body.errors[0].extensions?.code as string) : 'ORDERED';
        expect([n.id, outcome]).toEqual([n.id, n.agreementStatus.canTransact ? 'ORDERED' : 'ACCEPTANCE_REQUIRED']);
      }
    }
    return byId;
  };

  /** The statuses of every partner and type, each checked for consistency. */
  const everyPath = async () => {
    const seen: Record<string, Record<string, Status>> = {};
    for (const partnerId of [P.direct, P.provider, P.gov]) {
      for (const t of TYPES) seen[`${partnerId} ${t.type}`] = await consistent(partnerId, t);
    }
    return seen;
  };
  /** Which kinds of status the set holds, so that a set missing one fails rather than passing with less. */
  const kinds = (seen: Record<string, Record<string, Status>>) => {
    const found = new Set<string>();
    for (const [key, statuses] of Object.entries(seen)) {
      const [, type] = key.split(' ');
      const t = TYPES.find((x) => x.type === type)!;
      for (const s of Object.values(statuses)) {
        const templateId = s.acceptance?.agreement.templateId;
        if (s.status === 'OUTDATED') found.add(`${type} OUTDATED by ${templateId === t.templates[0] ? 'rank' : 'rule'}`);
        else if (s.status === 'ACCEPTED') found.add(`${type} ACCEPTED${s.outdatedFrom ? ' until the rule day' : ''}${s.acceptance?.method === 'ATTESTATION' ? ' attested' : ''}`);
        else found.add(`${type} ${s.status}`);
      }
    }
    return found;
  };

  it('before the MCA rule day: every path agrees, on a set that holds every kind of status', async () => {
    const found = kinds(await everyPath());
    for (const expected of [
      'MICROSOFT_CUSTOMER_AGREEMENT ACCEPTED',
      'MICROSOFT_CUSTOMER_AGREEMENT ACCEPTED attested',
      'MICROSOFT_CUSTOMER_AGREEMENT ACCEPTED until the rule day',
      'MICROSOFT_CUSTOMER_AGREEMENT OUTDATED by rank',
      'MICROSOFT_CUSTOMER_AGREEMENT NOT_ACCEPTED',
      'MICROSOFT_CUSTOMER_AGREEMENT NOT_APPLICABLE',
      'MICROSOFT_CLOUD_AGREEMENT ACCEPTED',
      'MICROSOFT_CLOUD_AGREEMENT OUTDATED by rank',
      'MICROSOFT_CLOUD_AGREEMENT OUTDATED by rule',
      'MICROSOFT_CLOUD_AGREEMENT NOT_ACCEPTED',
      'MICROSOFT_CLOUD_AGREEMENT NOT_APPLICABLE',
    ]) {
      expect([expected, found.has(expected)]).toEqual([expected, true]);
    }
  });

  it('from the instant the MCA rule day begins: every path agrees, and the MCA acceptances under the rule are OUTDATED', async () => {
    clock.advance(beginningOf(RULE_DAY).getTime() - clock.now().getTime());
    const found = kinds(await everyPath());
    expect(found.has('MICROSOFT_CUSTOMER_AGREEMENT OUTDATED by rule')).toBe(true);
    expect(found.has('MICROSOFT_CUSTOMER_AGREEMENT ACCEPTED until the rule day')).toBe(false);
    expect(customerIds).toHaveLength(48);
  });
});
