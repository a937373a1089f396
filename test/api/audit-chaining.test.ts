import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { customer, offers, P, partners } from '../helpers/fixtures';

const CONFIRM = 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }';
const AUDIT = 'query { auditEvents(first: 500) { totalCount nodes { sequence } } }';

/**
 * Chaining runs in the background after each attempt, every 30 s, and before
 * every list; several may run for one partner at once. Each event joins the
 * chain once: none is chained twice, none is lost, and no list fails.
 */
describe.each(testDatabases())('audit chaining at once from several places (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(kind);
    await app.seed({ partners: partners(), offers: offers(), customers: Array.from({ length: 30 }, (_, i) => customer(`CH-${i}`)) });
  });
  afterAll(() => app.close());

  it('lists every attempt once, in sequence, while chainers race', async () => {
    const seller = await app.token(P.direct, ['ADMIN_AGENT']);
    const reader = await app.token(P.direct, ['GLOBAL_ADMIN'], 'auditor');
    for (let round = 0; round < 5; round++) {
      const confirms = Array.from({ length: 6 }, (_, i) => app.gql(seller, CONFIRM, { input: { customerId: `CH-${round * 6 + i}`, dateAgreed: '2025-01-10' } }));
      const results = await Promise.all([
        ...confirms,
        app.gql(reader, AUDIT),
        app.server.services.audit.chainAll().then(() => ({ body: {} })),
        app.gql(reader, AUDIT),
        app.server.services.audit.chain(P.direct).then(() => ({ body: {} })),
      ]);
      for (const { body } of results) expect((body as { errors?: unknown }).errors).toBeUndefined();
    }
    await app.chainAudit();
    const { body } = await app.gql(reader, AUDIT);
    expect(body.data!.auditEvents.totalCount).toBe(30);
    expect(body.data!.auditEvents.nodes.map((e: { sequence: number }) => e.sequence)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});
