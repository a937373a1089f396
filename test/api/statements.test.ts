import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, customer, MCA_V1, offers, P, partners, subscription, template } from '../helpers/fixtures';

const FULL_PAGE = `query ($first: Int) { customers(first: $first) {
  totalCount
  nodes {
    id companyName
    agreementStatus {
      status canTransact latestAgreement { templateId latest }
      acceptance { id dateAgreed acceptedBy { email } agreement { templateId latest } recordedBy { userId role } }
    }
    acceptances(first: 2) { totalCount nodes { id agreement { versionRank } } }
    subscriptions { id quantity offer { name } }
  }
} }`;

const STATUS_PAGE = `query ($first: Int) { customers(first: $first) { totalCount nodes { id companyName agreementStatus { status canTransact } } } }`;

describe.each(testDatabases())('SQL statements per request (%s)', (kind) => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startApp(kind);
    const ids = Array.from({ length: 120 }, (_, n) => `C-${String(n).padStart(3, '0')}`);
    await app.seed({
      partners: partners(),
      offers: offers(),
      agreements: [template('MCA-V2', 2)],
      customers: ids.map((id) => customer(id)),
      subscriptions: ids.map((id) => subscription(`S-${id}`, id, P.direct)),
      acceptances: ids.flatMap((id, n) => [
        acceptance(`A1-${id}`, id, P.direct, { templateId: MCA_V1 }),
        ...(n % 2 ? [acceptance(`A2-${id}`, id, P.direct, { templateId: 'MCA-V2', dateAgreed: '2025-03-01', recordedAt: '2025-03-01T00:00:00.000Z' })] : []),
      ]),
    });
    token = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());

  const cost = async (query: string, first: number, caller = token, expectedNodes = first) => {
    let nodes = 0;
    const statements = await app.countStatements(async () => {
      const { body } = await app.gql(caller, query, { first });
      expect(body.errors).toBeUndefined();
      nodes = body.data!.customers.nodes.length;
    });
    expect(nodes).toBe(expectedNodes);
    return statements;
  };

  it('is the same for a page of 10 and of 100 customers with status, current acceptance, history and subscriptions', async () => {
    await cost(STATUS_PAGE, 10); // the partner is remembered from here on
    const ten = await cost(FULL_PAGE, 10);
    const hundred = await cost(FULL_PAGE, 100);
    console.log(`${kind}: full page of 10 customers: ${ten} statements; of 100: ${hundred}`);
    expect(hundred).toBe(ten);
    // page, totalCount, templates, acceptances, histories, history counts, subscriptions, offers
    expect(ten).toBeLessThanOrEqual(8);
  });

  it('costs 2 statements for a page with status codes and totalCount, whatever its size, and 3 for a partner not yet remembered', async () => {
    const first = await cost(STATUS_PAGE, 10, await app.token(P.other, ['ADMIN_AGENT']), 0);
    const ten = await cost(STATUS_PAGE, 10);
    const hundred = await cost(STATUS_PAGE, 100);
    console.log(`${kind}: status page of 10: ${ten} statements; of 100: ${hundred}; a partner's first request: ${first}`);
    expect(hundred).toBe(ten);
    expect(ten).toBe(2); // page, totalCount
    expect(first).toBe(3); // the partner, page, totalCount
  });
});
