import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, customer, MCA_V1, MCLOUD, offers, P, partners, subscription, template } from '../helpers/fixtures';

const PAGE = `query Page($first: Int, $after: String, $filter: CustomerFilter) {
  customers(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
    nodes { id companyName domain agreementStatus { status canTransact latestAgreement { templateId } } }
  }
}`;

describe.each(testDatabases())('reading customers (%s)', (kind) => {
  let app: TestApp;
  let admin: string;

  beforeAll(async () => {
    app = await startApp(kind);
    await app.seed({
      partners: partners(),
      offers: offers(),
      customers: [
        customer('C-ACC', { companyName: 'beta Accepted', partnerIds: [P.direct, P.gov] }),
        customer('C-OUT', { companyName: 'Alpha Outdated 100%_off' }),
        customer('C-NONE', { companyName: 'Gamma None' }),
        customer('C-TIE2', { companyName: 'Delta' }),
        customer('C-TIE1', { companyName: 'DELTA' }),
        customer('C-FOREIGN', { companyName: 'Foreign', partnerIds: [P.other] }),
      ],
      subscriptions: [
        subscription('S-1', 'C-ACC', P.direct),
        subscription('S-2', 'C-ACC', P.gov, { quantity: 3 }),
        subscription('S-3', 'C-NONE', P.direct, { offerId: 'OFFER-USAGE', quantity: null }),
      ],
      agreements: [template('MCA-V2', 2)],
      acceptances: [
        acceptance('A-OLD', 'C-ACC', P.direct, { recordedAt: '2024-03-01T10:00:00.000Z' }),
        acceptance('A-NEW', 'C-ACC', P.direct, { templateId: 'MCA-V2', dateAgreed: '2025-02-01', recordedAt: '2025-02-01T10:00:00.000Z' }),
        acceptance('A-OUT', 'C-OUT', P.direct),
        acceptance('A-FOREIGN', 'C-FOREIGN', P.other),
      ],
    });
    admin = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());

  it('tells the caller who they are, ignoring role names it does not know', async () => {
    const token = await app.token(P.direct, ['SALES_AGENT', 'CEO'], 'user-42');
    const { body } = await app.gql(token, '{ me { userId roles partner { id name type cloud } } }');
    expect(body.data!.me).toEqual({
      userId: 'user-42',
      roles: ['SALES_AGENT'],
      partner: { id: P.direct, name: 'Direct Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' },
    });
  });

  it('lists the latest MCA versions by default and retired ones only when asked', async () => {
    const { body } = await app.gql(admin, '{ mca: agreements { templateId versionRank latest retired } cloud: agreements(type: MICROSOFT_CLOUD_AGREEMENT) { templateId } retired: agreements(type: MICROSOFT_CLOUD_AGREEMENT, includeRetired: true) { templateId retired latest effectiveDate agreementLink } }');
    expect(body.data!.mca).toEqual([
      { templateId: 'MCA-V2', versionRank: 2, latest: true, retired: false },
      { templateId: MCA_V1, versionRank: 1, latest: false, retired: false },
    ]);
    expect(body.data!.cloud).toEqual([]);
    expect(body.data!.retired).toEqual([
      {
        templateId: MCLOUD,
        retired: true,
        latest: false,
        effectiveDate: '2018-08-07',
        agreementLink: 'https://docs.microsoft.com/partner-center/agreements',
      },
    ]);
  });

  it('answers a customer of another partner exactly like one that does not exist', async () => {
    const query = 'query ($id: ID!) { customer(id: $id) { id companyName } }';
    const foreign = await app.gql(admin, query, { id: 'C-FOREIGN' });
    const missing = await app.gql(admin, query, { id: 'C-MISSING' });
    expect(foreign.body).toEqual({ data: { customer: null } });
    expect(missing.body).toEqual(foreign.body);
    const own = await app.gql(admin, query, { id: 'C-OUT' });
    expect(own.body.data!.customer).toEqual({ id: 'C-OUT', companyName: 'Alpha Outdated 100%_off' });
  });

  it('refuses a malformed id with BAD_USER_INPUT naming the argument', async () => {
    const { body } = await app.gql(admin, 'query ($id: ID!) { customer(id: $id) { id } }', { id: 'x'.repeat(65) });
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('orders by company name regardless of case, then by id, and pages with cursors', async () => {
    const all = await app.gql(admin, PAGE, { first: 500 });
    const names = all.body.data!.customers.nodes.map((n: { id: string }) => n.id);
    expect(names).toEqual(['C-OUT', 'C-ACC', 'C-TIE1', 'C-TIE2', 'C-NONE']);
    expect(all.body.data!.customers.totalCount).toBe(5);

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const response: { body: any } = await app.gql(admin, PAGE, { first: 2, after });
      const page: any = response.body.data.customers;
      seen.push(...page.nodes.map((n: { id: string }) => n.id));
      expect(page.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(page.nodes.map((n: { id: string }) => n.id));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1).cursor);
      expect(page.totalCount).toBe(5);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
  });

  it.each([0, 501, -1])('refuses first: %i with BAD_USER_INPUT', async (first) => {
    const { body } = await app.gql(admin, PAGE, { first });
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('refuses a cursor it did not make', async () => {
    const { body } = await app.gql(admin, PAGE, { after: 'bm90IGEgY3Vyc29y' });
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('shows each status, and the status filter agrees with it', async () => {
    const { body } = await app.gql(admin, PAGE, { first: 50 });
    const status = Object.fromEntries(
      body.data!.customers.nodes.map((n: any) => [n.id, [n.agreementStatus.status, n.agreementStatus.canTransact]]),
    );
    expect(status).toEqual({
      'C-ACC': ['ACCEPTED', true],
      'C-OUT': ['OUTDATED', false],
      'C-NONE': ['NOT_ACCEPTED', false],
      'C-TIE1': ['NOT_ACCEPTED', false],
      'C-TIE2': ['NOT_ACCEPTED', false],
    });
    for (const code of ['ACCEPTED', 'OUTDATED', 'NOT_ACCEPTED', 'NOT_APPLICABLE']) {
      const filtered = await app.gql(admin, PAGE, { filter: { agreementStatus: code } });
      const ids = filtered.body.data!.customers.nodes.map((n: { id: string }) => n.id).sort();
      expect(ids).toEqual(Object.keys(status).filter((id) => status[id][0] === code).sort());
      expect(filtered.body.data!.customers.totalCount).toBe(ids.length);
    }
  });

  it('searches company name and domain case-insensitively, taking % and _ literally', async () => {
    const search = async (text: string) =>
      (await app.gql(admin, PAGE, { filter: { search: text } })).body.data!.customers.nodes.map((n: { id: string }) => n.id);
    expect(await search('ALPHA')).toEqual(['C-OUT']);
    expect(await search('delta')).toEqual(['C-TIE1', 'C-TIE2']);
    expect(await search('100%_OFF')).toEqual(['C-OUT']);
    expect(await search('%')).toEqual(['C-OUT']);
    expect(await search('_')).toEqual(['C-OUT']);
    expect(await search('c-none.onmicrosoft')).toEqual(['C-NONE']);
    expect(await search('foreign')).toEqual([]);
  });

  it('answers a blank search exactly as an empty one: every customer, counted', async () => {
    const { body: empty } = await app.gql(admin, PAGE, { filter: { search: '' } });
    expect(empty.errors).toBeUndefined();
    expect(empty.data!.customers.totalCount).toBe(5);
    for (const search of ['   ', '\t', ' \u00a0 ']) {
      const { status, body } = await app.gql(admin, PAGE, { filter: { search } });
      expect(status).toBe(200);
      expect(body).toEqual(empty);
    }
    expect((await app.gql(admin, PAGE, { filter: { search: '  alpha ' } })).body.data!.customers.nodes.map((n: { id: string }) => n.id)).toEqual(['C-OUT']);
  });

  describe('page sizes', () => {
    const connections = {
      customers: (first: string) => `customers(first: ${first}) { nodes { id } }`,
      'Customer.acceptances': (first: string) => `customer(id: "C-ACC") { acceptances(first: ${first}) { nodes { id } } }`,
      auditEvents: (first: string) => `auditEvents(first: ${first}) { nodes { sequence } }`,
    };

    it.each(Object.keys(connections))('%s: every page size out of 1..500 is BAD_USER_INPUT on first, HTTP 200, as a literal or a variable', async (name) => {
      const field = connections[name as keyof typeof connections];
      for (const first of [0, -1, 501, 100_000, 2_147_483_647, -2_147_483_648]) {
        const literal = await app.gql(admin, `{ ${field(String(first))} }`);
        const variable = await app.gql(admin, `query ($first: Int) { ${field('$first')} }`, { first });
        for (const { status, body } of [literal, variable]) {
          expect({ first, status, extensions: body.errors?.[0]?.extensions }).toEqual({ first, status: 200, extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
        }
      }
      expect((await app.gql(admin, `{ ${field('500')} }`)).body.errors).toBeUndefined();
    });

    it('nested pages over 500 are refused as pages of 500 would be, whatever their size', async () => {
      const nested = (first: number) => `{ customers(first: ${first}) { nodes { acceptances(first: ${first}) { nodes { id } } } } }`;
      const answers = await Promise.all([500, 501, 2_147_483_647].map((first) => app.gql(admin, nested(first))));
      for (const { status, body } of answers) expect({ status, code: body.errors?.[0]?.extensions?.code }).toEqual({ status: 400, code: 'QUERY_LIMIT_EXCEEDED' });
      expect(answers[2].body).toEqual(answers[1].body);
    });
  });

  it('outside the public cloud every status is NOT_APPLICABLE and the partner may transact', async () => {
    const gov = await app.token(P.gov, ['ADMIN_AGENT']);
    const { body } = await app.gql(gov, PAGE, {});
    expect(body.data!.customers.nodes).toEqual([
      {
        id: 'C-ACC',
        companyName: 'beta Accepted',
        domain: 'c-acc.onmicrosoft.com',
        agreementStatus: { status: 'NOT_APPLICABLE', canTransact: true, latestAgreement: null },
      },
    ]);
    const filtered = await app.gql(gov, PAGE, { filter: { agreementStatus: 'ACCEPTED' } });
    expect(filtered.body.data!.customers.totalCount).toBe(0);
  });

  it('shows the current acceptance and the history, newest first, to ADMIN_AGENT and SALES_AGENT', async () => {
    const query = `{ customer(id: "C-ACC") {
      agreementStatus { status acceptance { id agreement { templateId versionRank latest } dateAgreed recordedAt recordedBy { userId role } method channel scenario acceptedBy { firstName lastName email phoneNumber } } }
      acceptances(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
    } }`;
    for (const role of ['ADMIN_AGENT', 'SALES_AGENT']) {
      const { body } = await app.gql(await app.token(P.direct, [role]), query);
      expect(body.errors).toBeUndefined();
      const c = body.data!.customer;
      expect(c.agreementStatus.acceptance).toEqual({
        id: 'A-NEW',
        agreement: { templateId: 'MCA-V2', versionRank: 2, latest: true },
        dateAgreed: '2025-02-01',
        recordedAt: '2025-02-01T10:00:00.000Z',
        recordedBy: { userId: 'import', role: 'ADMIN_AGENT' },
        method: 'CONFIRMATION',
        channel: 'IMPORT',
        scenario: null,
        acceptedBy: { firstName: 'Tania', lastName: 'Carr', email: 'tania@wingtiptoys.example', phoneNumber: '+1 (425) 555-0100' },
      });
      expect(c.acceptances.totalCount).toBe(2);
      expect(c.acceptances.nodes).toEqual([{ id: 'A-NEW' }]);
      const next = await app.gql(
        admin,
        'query ($after: String) { customer(id: "C-ACC") { acceptances(first: 1, after: $after) { nodes { id } pageInfo { hasNextPage } } } }',
        { after: c.acceptances.pageInfo.endCursor },
      );
      expect(next.body.data!.customer.acceptances).toEqual({ nodes: [{ id: 'A-OLD' }], pageInfo: { hasNextPage: false } });
    }
  });

  it.each([
    ['an instant that is not a date', '["garbage",1,"A-NEW"]'],
    ['a sequence JSON parses as Infinity', '["2025-02-01T10:00:00.000Z",1e400,"A-NEW"]'],
  ])('refuses a history cursor holding %s with BAD_USER_INPUT, not a 500', async (_what, json) => {
    const { status, body } = await app.gql(
      admin,
      'query ($after: String) { customer(id: "C-ACC") { acceptances(after: $after) { nodes { id } } } }',
      { after: Buffer.from(json).toString('base64url') },
    );
    expect(status).toBe(200);
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it.each(['HELPDESK_AGENT', 'GLOBAL_ADMIN'])(
    'hides acceptance details from %s with a FORBIDDEN field error, answering the rest',
    async (role) => {
      const token = await app.token(P.direct, [role]);
      const { body } = await app.gql(token, '{ customer(id: "C-ACC") { companyName agreementStatus { status acceptance { id } } } }');
      expect(body.data!.customer).toEqual({ companyName: 'beta Accepted', agreementStatus: { status: 'ACCEPTED', acceptance: null } });
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0]).toMatchObject({
        path: ['customer', 'agreementStatus', 'acceptance'],
        extensions: { code: 'FORBIDDEN' },
      });
      const history = await app.gql(token, '{ customer(id: "C-ACC") { acceptances { totalCount } } }');
      expect(history.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    },
  );

  it("lists only the subscriptions held through the caller's partner, and the offers", async () => {
    const { body } = await app.gql(
      admin,
      '{ customer(id: "C-ACC") { subscriptions { id customerId partnerId quantity autoRenew createdAt offer { id name billingType } } } offers { id name billingType } }',
    );
    expect(body.data!.customer.subscriptions).toEqual([
      {
        id: 'S-1',
        customerId: 'C-ACC',
        partnerId: P.direct,
        quantity: 10,
        autoRenew: true,
        createdAt: '2024-02-01T00:00:00.000Z',
        offer: { id: 'OFFER-LIC', name: 'Microsoft 365 Business Basic', billingType: 'LICENSE' },
      },
    ]);
    expect(body.data!.offers).toEqual([
      { id: 'OFFER-USAGE', name: 'Azure plan', billingType: 'USAGE' },
      { id: 'OFFER-LIC', name: 'Microsoft 365 Business Basic', billingType: 'LICENSE' },
    ]);
  });
});
