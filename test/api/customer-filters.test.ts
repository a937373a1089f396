import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, customer, MCA_V1, P, partners, template } from '../helpers/fixtures';

const MCA_V2 = 'mca-v2-filters';
const PAGE = `query ($filter: CustomerFilter, $first: Int) {
  customers(first: $first, filter: $filter) { totalCount nodes { id agreementStatus { status canTransact } } }
}`;

type Node = { id: string; agreementStatus: { status: string; canTransact: boolean } };

/** Three customers in each public-cloud status, and the same customers seen by a partner outside the public cloud. */
describe.each(testDatabases())('filtering customers by several statuses and by whether they may transact (%s)', (kind) => {
  let app: TestApp;
  let direct: string;
  let gov: string;
  const ids = (status: string) => [1, 2, 3].map((n) => `F-${status}-${n}`);

  beforeAll(async () => {
    app = await startApp(kind);
    const all = ['ACC', 'OUT', 'NOT'].flatMap(ids);
    await app.seed({
      partners: partners(),
      agreements: [template(MCA_V2, 2)],
      customers: all.map((id) => customer(id, { partnerIds: [P.direct, P.gov] })),
      acceptances: [
        ...ids('ACC').map((id) => acceptance(`A-${id}`, id, P.direct, { templateId: MCA_V2, dateAgreed: '2025-03-01' })),
        ...ids('OUT').map((id) => acceptance(`A-${id}`, id, P.direct, { templateId: MCA_V1 })),
      ],
    });
    direct = await app.token(P.direct, ['ADMIN_AGENT']);
    gov = await app.token(P.gov, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());

  const page = async (token: string, filter: Record<string, unknown>, first = 50) => {
    const { status, body } = await app.gql(token, PAGE, { filter, first });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const { totalCount, nodes } = body.data!.customers as { totalCount: number; nodes: Node[] };
    return { totalCount, ids: nodes.map((n) => n.id), statuses: new Set(nodes.map((n) => n.agreementStatus.status)) };
  };

  it('lists customers in any of several statuses, and counts them', async () => {
    const found = await page(direct, { agreementStatusIn: ['ACCEPTED', 'NOT_ACCEPTED'] });
    expect(found.ids).toEqual([...ids('ACC'), ...ids('NOT')]);
    expect(found.totalCount).toBe(6);
  });

  it('lists the customers that may transact, and those that may not', async () => {
    expect(await page(direct, { canTransact: true })).toEqual({ totalCount: 3, ids: ids('ACC'), statuses: new Set(['ACCEPTED']) });
    expect(await page(direct, { canTransact: false })).toEqual({
      totalCount: 6,
      ids: [...ids('NOT'), ...ids('OUT')],
      statuses: new Set(['NOT_ACCEPTED', 'OUTDATED']),
    });
  });

  it('requires every filter given to hold', async () => {
    expect((await page(direct, { agreementStatus: 'OUTDATED', agreementStatusIn: ['OUTDATED', 'ACCEPTED'] })).ids).toEqual(ids('OUT'));
    expect(await page(direct, { agreementStatus: 'OUTDATED', agreementStatusIn: ['ACCEPTED'] })).toEqual({ totalCount: 0, ids: [], statuses: new Set() });
    expect((await page(direct, { agreementStatusIn: ['OUTDATED', 'ACCEPTED'], canTransact: false })).ids).toEqual(ids('OUT'));
    expect(await page(direct, { agreementStatusIn: [] })).toEqual({ totalCount: 0, ids: [], statuses: new Set() });
  });

  it('outside the public cloud, every customer may transact', async () => {
    expect((await page(gov, { canTransact: true })).totalCount).toBe(9);
    expect((await page(gov, { canTransact: false })).totalCount).toBe(0);
    expect((await page(gov, { agreementStatusIn: ['NOT_APPLICABLE', 'ACCEPTED'] })).statuses).toEqual(new Set(['NOT_APPLICABLE']));
  });

  it('reads a filtered page with totalCount in the same 2 statements as any page', async () => {
    await page(direct, {}); // the partner is remembered from here on
    for (const filter of [{ agreementStatusIn: ['ACCEPTED', 'OUTDATED'] }, { canTransact: false }, { agreementStatus: 'ACCEPTED', canTransact: true }]) {
      expect(await app.countStatements(() => page(direct, filter))).toBe(2);
    }
  });
});
