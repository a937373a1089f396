import { PRODUCTION_SIGNING } from '../helpers/server-process';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { P, partners } from '../helpers/fixtures';

describe.each(testDatabases())('production posture (%s)', (kind) => {
  let production: TestApp;
  let opened: TestApp;

  beforeAll(async () => {
    production = await startApp(kind, { env: { NODE_ENV: 'production', ...PRODUCTION_SIGNING } });
    opened = await startApp(kind, { env: { NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true', ...PRODUCTION_SIGNING } });
    for (const app of [production, opened]) await app.seed({ partners: partners() });
  });
  afterAll(async () => {
    await production.close();
    await opened.close();
  });

  it('turns off introspection and field suggestions', async () => {
    const token = await production.token(P.direct, ['ADMIN_AGENT']);
    const introspection = await production.gql(token, '{ __schema { queryType { name } } }');
    expect(introspection.body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await production.gql(token, '{ me { userI } }');
    expect(typo.body.errors![0].message).not.toMatch(/Did you mean/);
  });

  it('turns both on again with GRAPHQL_INTROSPECTION=true', async () => {
    const token = await opened.token(P.direct, ['ADMIN_AGENT']);
    expect((await opened.gql(token, '{ __schema { queryType { name } } }')).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await opened.gql(token, '{ me { userI } }')).body.errors![0].message).toMatch(/Did you mean "userId"/);
  });

  it('shows no landing page: a browser without a token is refused like any request', async () => {
    const answer = await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(answer.status).toBe(401);
  });

  it('refuses a token whose user id is longer than can be recorded', async () => {
    const token = await production.token(P.direct, ['ADMIN_AGENT'], 'u'.repeat(129));
    const { status, body } = await production.gql(token, '{ me { userId } }');
    expect(status).toBe(401);
    expect(body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });
});
