import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { contact, customer, MCLOUD, offers, P, partners, subscription } from '../helpers/fixtures';

const CONFIRM_MANY = `mutation ($inputs: [ConfirmAcceptanceInput!]!) {
  confirmCustomerAcceptances(inputs: $inputs) {
    succeeded failed
    results {
      __typename
      ... on AcceptanceSuccess { index acceptance { id customerId channel method recordedBy { role } } }
      ... on AcceptanceProblem { index code message field }
    }
  }
}`;

const ATTEST_MANY = `mutation ($inputs: [AttestAcceptanceInput!]!) {
  attestCustomerAcceptances(inputs: $inputs) {
    succeeded failed
    results { ... on AcceptanceSuccess { index acceptance { customerId scenario method } } ... on AcceptanceProblem { index code field } }
  }
}`;

type Result = { __typename: string; index: number; code?: string; field?: string | null; acceptance?: { customerId: string } };

describe.each(testDatabases())('bulk confirmation and attestation (%s)', (kind) => {
  let app: TestApp;
  let admin: string;
  const ids = Array.from({ length: 520 }, (_, n) => `B-${String(n).padStart(3, '0')}`);

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock('2026-11-21T04:00:00.000Z') });
    await app.seed({
      partners: partners(),
      offers: offers(),
      customers: [
        ...ids.map((id) => customer(id, id === 'B-511' ? { partnerIds: [P.direct, P.other] } : {})),
        customer('B-FOREIGN', { partnerIds: [P.other] }),
      ],
      subscriptions: [
        subscription('S-OWN', 'B-510', P.direct),
        subscription('S-OTHER', 'B-511', P.other),
      ],
    });
    admin = await app.token(P.direct, ['SALES_AGENT']);
  });
  afterAll(() => app.close());

  const count = async (sql: string, params: unknown[] = []) => Number((await app.db.query<{ n: number }>(sql, params))[0].n);

  it('describes its types with nothing outside the repository: no description names a file', async () => {
    const { body } = await app.gql(
      admin,
      '{ __schema { types { name description fields { name description args { description } } inputFields { name description } } } }',
    );
    const texts = body.data!.__schema.types.flatMap((type: any) => [
      type.description,
      ...(type.fields ?? []).flatMap((field: any) => [field.description, ...field.args.map((arg: any) => arg.description)]),
      ...(type.inputFields ?? []).map((field: any) => field.description),
    ]);
    expect(texts.filter((text: string | null) => text && /\b[\w-]+\.md\b/.test(text))).toEqual([]);
    const problem = body.data!.__schema.types.find((type: any) => type.name === 'AcceptanceProblem');
    expect(problem.fields.find((field: any) => field.name === 'code').description).toBe('The same codes as the single mutations.');
  });

  it('answers 500 items, mixed with bad ones, item by item in input order', async () => {
    const bad: Record<number, { input: Record<string, unknown>; code: string; field: string | null }> = {
      3: { input: { customerId: 'B-MISSING', dateAgreed: '2026-11-20' }, code: 'NOT_FOUND', field: 'inputs[3].customerId' },
      17: { input: { customerId: ids[17], dateAgreed: '2026-11-23' }, code: 'DATE_IN_FUTURE', field: 'inputs[17].dateAgreed' },
      99: { input: { customerId: ids[99], dateAgreed: '2026-11-20', acceptedBy: contact({ email: 'nope' }) }, code: 'BAD_USER_INPUT', field: 'inputs[99].acceptedBy.email' },
      // the same customer and signatory as item 200, later in the request: the duplicate rule sees item 200
      201: { input: { customerId: ids[200], dateAgreed: '2026-11-20' }, code: 'ACCEPTANCE_ALREADY_EXISTS', field: null },
      250: { input: { customerId: ids[250], dateAgreed: '2026-11-20', templateId: MCLOUD }, code: 'TEMPLATE_RETIRED', field: 'inputs[250].templateId' },
      333: { input: { customerId: 'B-FOREIGN', dateAgreed: '2026-11-20' }, code: 'NOT_FOUND', field: 'inputs[333].customerId' },
      499: { input: { customerId: ids[499], dateAgreed: '2019-09-30' }, code: 'DATE_BEFORE_EFFECTIVE', field: 'inputs[499].dateAgreed' },
    };
    const inputs = ids.slice(0, 500).map((id, n) => bad[n]?.input ?? { customerId: id, dateAgreed: '2026-11-20' });
    const before = await count('SELECT COUNT(*) AS n FROM acceptances');
    const started = Date.now();
    const { body } = await app.gql(admin, CONFIRM_MANY, { inputs });
    const elapsed = Date.now() - started;
    console.log(`${kind}: 500 bulk confirmations (7 refused) in ${elapsed} ms`);
    expect(body.errors).toBeUndefined();
    const payload = body.data!.confirmCustomerAcceptances;
    expect(payload).toMatchObject({ succeeded: 493, failed: 7 });
    expect(payload.results).toHaveLength(500);
    payload.results.forEach((result: Result, n: number) => {
      expect(result.index).toBe(n);
      if (bad[n]) {
        expect({ n, typename: result.__typename, code: result.code, field: result.field }).toEqual({
          n,
          typename: 'AcceptanceProblem',
          code: bad[n].code,
          field: bad[n].field,
        });
      } else {
        expect({ n, typename: result.__typename, customerId: result.acceptance!.customerId }).toEqual({
          n,
          typename: 'AcceptanceSuccess',
          customerId: inputs[n].customerId,
        });
      }
    });
    expect(await count('SELECT COUNT(*) AS n FROM acceptances')).toBe(before + 493);
    // The speed target (500 in under 3 s on MariaDB) is measured by `npm run bench` on a quiet machine;
    // here only a pathological slowdown fails, whatever else the machine is doing.
    expect(elapsed).toBeLessThan(30_000);
  });

  it.each([0, 501])('refuses %i items as a whole with BAD_USER_INPUT', async (size) => {
    const inputs = ids.slice(0, size).map((customerId) => ({ customerId, dateAgreed: '2026-11-20' }));
    const { body } = await app.gql(admin, CONFIRM_MANY, { inputs });
    expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'inputs' });
  });

  it('attests with the scenario of each customer, refusing those without subscriptions', async () => {
    const helpdesk = await app.token(P.direct, ['HELPDESK_AGENT']);
    const { body } = await app.gql(helpdesk, ATTEST_MANY, {
      inputs: ['B-510', 'B-511', 'B-512'].map((customerId) => ({ customerId, dateAgreed: '2026-11-20' })),
    });
    expect(body.data!.attestCustomerAcceptances).toEqual({
      succeeded: 2,
      failed: 1,
      results: [
        { index: 0, acceptance: { customerId: 'B-510', scenario: 'EXISTING_PARTNER_NEW_PURCHASE', method: 'ATTESTATION' } },
        { index: 1, acceptance: { customerId: 'B-511', scenario: 'NEW_PARTNER_NEW_PURCHASE', method: 'ATTESTATION' } },
        { index: 2, code: 'ATTESTATION_NOT_APPLICABLE', field: null },
      ],
    });
  });

  it('follows the role table: HELPDESK_AGENT may not confirm in bulk, SALES_AGENT may not attest', async () => {
    const helpdesk = await app.token(P.direct, ['HELPDESK_AGENT']);
    const refused = await app.gql(helpdesk, CONFIRM_MANY, { inputs: [{ customerId: 'B-515', dateAgreed: '2026-11-20' }] });
    expect(refused.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    const sales = await app.gql(admin, ATTEST_MANY, { inputs: [{ customerId: 'B-510', dateAgreed: '2026-11-20' }] });
    expect(sales.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(await count('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', ['B-515'])).toBe(0);
  });

  it('refuses every item of an indirect reseller with FORBIDDEN, item by item', async () => {
    const reseller = await app.token(P.reseller, ['ADMIN_AGENT']);
    const { body } = await app.gql(reseller, CONFIRM_MANY, { inputs: [{ customerId: 'B-516', dateAgreed: '2026-11-20' }] });
    expect(body.data!.confirmCustomerAcceptances).toMatchObject({ succeeded: 0, failed: 1, results: [{ index: 0, code: 'FORBIDDEN' }] });
  });
});
