import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { customer, offers, P, partners } from '../helpers/fixtures';

describe.each(testDatabases())('operation limits (%s)', (kind) => {
  let app: TestApp;
  let strict: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startApp(kind);
    strict = await startApp(kind, { env: { GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_COST: '100', GRAPHQL_MAX_TOKENS: '1000' } });
    for (const a of [app, strict]) await a.seed({ partners: partners(), offers: offers(), customers: [customer('L-1')] });
    token = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(async () => {
    await app.close();
    await strict.close();
  });

  const limitOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions;

  it('refuses a query nested deeper than the limit, saying which limit', async () => {
    const deep = '{ customers { nodes { agreementStatus { acceptance { agreement { templateId } } } } } }';
    const { status, body } = await strict.gql(token, deep);
    expect(status).toBe(400);
    expect(limitOf(body)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth', max: 4 });
    expect(body.errors![0].message).not.toMatch(/^Syntax Error/);
    const shallow = await strict.gql(token, '{ customers(first: 1) { nodes { agreementStatus { status } } } }');
    expect(shallow.body.errors).toBeUndefined();
  });

  it('counts depth through fragments too', async () => {
    const query = 'query { customers { nodes { ...c } } } fragment c on Customer { agreementStatus { acceptance { agreement { templateId } } } }';
    expect(limitOf((await strict.gql(token, query)).body)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth' });
  });

  it('refuses nested pages whose cost is over the limit before running anything', async () => {
    const greedy = '{ customers(first: 500) { nodes { acceptances(first: 500) { nodes { id dateAgreed } } } } }';
    let response!: Awaited<ReturnType<TestApp['gql']>>;
    const statements = await app.countStatements(async () => {
      response = await app.gql(token, greedy);
    });
    expect(response.status).toBe(400);
    expect(limitOf(response.body)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost', max: 25000 });
    expect(limitOf(response.body)!.cost as number).toBeGreaterThan(25000);
    expect(statements).toBeLessThanOrEqual(1); // signing the caller in; no page was read
  });

  it('computes the cost from the page size given in variables', async () => {
    const query = 'query ($n: Int) { customers(first: $n) { nodes { id companyName } } }';
    expect((await strict.gql(token, query, { n: 5 })).body.errors).toBeUndefined();
    expect(limitOf((await strict.gql(token, query, { n: 50 })).body)).toMatchObject({ limit: 'cost', max: 100 });
  });

  it('lets a page of 500 customers with their status through', async () => {
    const { body } = await app.gql(token, '{ customers(first: 500) { totalCount nodes { id companyName agreementStatus { status canTransact latestAgreement { templateId } } } } }');
    expect(body.errors).toBeUndefined();
  });

  it('refuses more aliases than the limit', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: me { userId }`).join(' ');
    const { status, body } = await app.gql(token, `{ ${aliases} }`);
    expect(status).toBe(400);
    expect(limitOf(body)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'aliases', max: 30 });
    expect(body.errors![0].message).toBe('Aliases limit of 30 exceeded, found 31.');
    expect((await app.gql(token, `{ ${aliases.split(' a30:')[0]} }`)).body.errors).toBeUndefined();
  });

  it('refuses a document of more tokens than the limit', async () => {
    const fields = Array.from({ length: 6000 }, () => '__typename').join(' ');
    const { status, body } = await app.gql(token, `{ ${fields} }`);
    expect(status).toBe(400);
    expect(limitOf(body)).toEqual({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'tokens', max: 5000 });
    expect(body.errors![0].message).toBe('The document contains more than 5000 tokens, the limit: send a smaller one.');
  });

  it('refuses a keyed mutation of more tokens than the limit the same way, saying the limit set', async () => {
    const fields = Array.from({ length: 1200 }, () => '__typename').join(' ');
    const { status, body } = await strict.gql(token, `mutation { ${fields} }`, undefined, { 'Idempotency-Key': 'too-many-tokens' });
    expect(status).toBe(400);
    expect(limitOf(body)).toEqual({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'tokens', max: 1000 });
    expect(body.errors![0].message).toBe('The document contains more than 1000 tokens, the limit: send a smaller one.');
  });

  it('refuses a batch of operations in one request unless batching is enabled', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify([{ query: '{ me { userId } }' }, { query: '{ me { userId } }' }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batching/i);
  });

  it('keeps other validation errors as GRAPHQL_VALIDATION_FAILED', async () => {
    const { status, body } = await app.gql(token, '{ me { noSuchField } }');
    expect(status).toBe(400);
    expect(limitOf(body)!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
