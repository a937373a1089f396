import { ACCESS, Operation, Role } from '../../src/auth/roles';
import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, customer, OFFER, offers, P, partners, subscription } from '../helpers/fixtures';

/**
 * Every mutation x every role set x every kind of partner, with inputs that
 * are otherwise valid: only the role, the partner type and the cloud decide.
 * The expectations are written out here, not derived from the role table.
 */
type Mutation = 'confirm' | 'attest' | 'createCustomer' | 'createOrder' | 'seats' | 'confirmMany' | 'attestMany';

const ROLE_SETS: string[][] = [[], ['GLOBAL_ADMIN'], ['ADMIN_AGENT'], ['SALES_AGENT'], ['HELPDESK_AGENT'], ['GLOBAL_ADMIN', 'HELPDESK_AGENT', 'SALES_AGENT']];

const PARTNER_KINDS = [
  { partner: P.direct, kind: 'DIRECT_BILL/PUBLIC' },
  { partner: P.provider, kind: 'INDIRECT_PROVIDER/PUBLIC' },
  { partner: P.reseller, kind: 'INDIRECT_RESELLER/PUBLIC' },
  { partner: P.gov, kind: 'DIRECT_BILL/US_GOVERNMENT' },
  { partner: P.china, kind: 'INDIRECT_PROVIDER/CHINA_21VIANET' },
];

const ALLOWED_ROLES: Record<Mutation, string[]> = {
  confirm: ['ADMIN_AGENT', 'SALES_AGENT'],
  createCustomer: ['ADMIN_AGENT', 'SALES_AGENT'],
  createOrder: ['ADMIN_AGENT', 'SALES_AGENT'],
  seats: ['ADMIN_AGENT', 'SALES_AGENT'],
  attest: ['GLOBAL_ADMIN', 'ADMIN_AGENT', 'HELPDESK_AGENT'],
  confirmMany: ['ADMIN_AGENT', 'SALES_AGENT'],
  attestMany: ['GLOBAL_ADMIN', 'ADMIN_AGENT', 'HELPDESK_AGENT'],
};

function expected(mutation: Mutation, roles: string[], kind: string): string {
  if (!roles.some((r) => ALLOWED_ROLES[mutation].includes(r))) return 'FORBIDDEN';
  if (kind.startsWith('INDIRECT_RESELLER')) return 'FORBIDDEN';
  if (['confirm', 'attest', 'confirmMany', 'attestMany'].includes(mutation) && !kind.endsWith('/PUBLIC')) return 'AGREEMENT_NOT_SUPPORTED_IN_CLOUD';
  return 'OK';
}

const MUTATIONS: Record<Mutation, { document: string; input: (customerId: string, n: number) => unknown }> = {
  confirm: {
    document: 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }',
    input: (customerId) => ({ customerId, dateAgreed: '2026-11-20' }),
  },
  attest: {
    document: 'mutation ($input: AttestAcceptanceInput!) { attestCustomerAcceptance(input: $input) { acceptance { id } } }',
    input: (customerId) => ({ customerId, dateAgreed: '2026-11-20' }),
  },
  createCustomer: {
    document: 'mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }',
    input: (_, n) => ({
      companyName: `Matrix ${n}`,
      domain: `matrix${n}.onmicrosoft.com`,
      primaryContact: { firstName: 'Mia', lastName: 'Trix', email: `mia@matrix${n}.example` },
    }),
  },
  createOrder: {
    document: 'mutation ($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }',
    input: (customerId) => ({ customerId, lineItems: [{ offerId: OFFER.licence, quantity: 5 }] }),
  },
  seats: {
    document: 'mutation ($input: UpdateSubscriptionQuantityInput!) { updateSubscriptionQuantity(input: $input) { subscription { id } } }',
    input: (customerId) => ({ subscriptionId: `S-${customerId}`, quantity: 11 }),
  },
  // Bulk: a role refusal fails the whole field; every other refusal is the item's problem.
  confirmMany: {
    document: `mutation ($input: [ConfirmAcceptanceInput!]!) { confirmCustomerAcceptances(inputs: $input) { results { ... on AcceptanceProblem { code } } } }`,
    input: (customerId) => [{ customerId, dateAgreed: '2026-11-20' }],
  },
  attestMany: {
    document: `mutation ($input: [AttestAcceptanceInput!]!) { attestCustomerAcceptances(inputs: $input) { results { ... on AcceptanceProblem { code } } } }`,
    input: (customerId) => [{ customerId, dateAgreed: '2026-11-20' }],
  },
};

const cases = (Object.keys(MUTATIONS) as Mutation[]).flatMap((mutation) =>
  ROLE_SETS.flatMap((roles) => PARTNER_KINDS.map(({ partner, kind }) => ({ mutation, roles, partner, kind, code: expected(mutation, roles, kind) }))),
);

describe.each(testDatabases())('the role and partner matrix of every mutation (%s)', (db) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(db, { clock: fixedClock('2026-11-21T04:00:00.000Z') });
    // One customer per case: related to the case's partner, holding a licence subscription through it,
    // and already ACCEPTED (except for confirm, which must not meet the duplicate rule).
    await app.seed({
      partners: partners(),
      offers: offers(),
      customers: cases.map((c, n) => customer(`M-${n}`, { partnerIds: [c.partner] })),
      subscriptions: cases.map((c, n) => subscription(`S-M-${n}`, `M-${n}`, c.partner)),
      acceptances: cases.flatMap((c, n) => (['confirm', 'confirmMany'].includes(c.mutation) ? [] : [acceptance(`A-M-${n}`, `M-${n}`, c.partner)])),
    });
  });
  afterAll(() => app.close());

  it('holds the role table the matrix expects', () => {
    expect(ACCESS[Operation.CONFIRM_ACCEPTANCE].roles).toEqual([Role.ADMIN_AGENT, Role.SALES_AGENT]);
    expect(ACCESS[Operation.ATTEST_ACCEPTANCE].roles).toEqual([Role.GLOBAL_ADMIN, Role.ADMIN_AGENT, Role.HELPDESK_AGENT]);
    expect(cases).toHaveLength(7 * ROLE_SETS.length * PARTNER_KINDS.length);
  });

  it.each(cases.map((c, n) => [c.mutation, c.roles.join('+') || 'no role', c.kind, c.code, n] as const))(
    '%s by %s of a %s partner: %s',
    async (mutation, _roles, _kind, code, n) => {
      const c = cases[n];
      const token = await app.token(c.partner, c.roles);
      const { body } = await app.gql(token, MUTATIONS[mutation].document, { input: MUTATIONS[mutation].input(`M-${n}`, n) });
      const itemProblem = (Object.values(body.data ?? {})[0] as { results?: { code?: string }[] } | null)?.results?.[0]?.code;
      expect(body.errors?.[0]?.extensions?.code ?? itemProblem ?? 'OK').toBe(code);
      if (body.errors) expect(body.data).toBeNull(); // a refused mutation answers no data
    },
  );
});
