import fc from 'fast-check';
import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { parseCsv } from '../helpers/csv';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, MCA_V1, MCLOUD, OFFER, offers, P, partners, subscription } from '../helpers/fixtures';
import {
  COMPANY_NAME_CASES,
  contactProblems,
  type ContactSent,
  type ContactStored,
  craftedCursor,
  dateBetween,
  headerValue,
  hostileNumber,
  hostileString,
  hostileValue,
  EMAIL_CASES,
  INVISIBLE_CHARACTERS,
  looseRecord,
  NAME_CASES,
  PHONE_CASES,
  SQL_FRAGMENTS,
  storedProblem,
  tableInput,
  TRICKY_CHARACTERS,
  validContact,
  validOrHostile,
} from '../helpers/hostile';

/**
 * Hostile input: random and adversarial values in every input field, argument
 * and header, over HTTP against the real server. Whatever is sent, the answer
 * is never a 5xx and never late, every refusal carries a documented code, and
 * whatever is accepted is stored exactly as sent (trimmed where the rules say so).
 */

/** "Never a hang": every request must be answered within this time. */
const BULK_HANG_MS = 60_000;
const HANG_MS = 5_000;
const MAX_BODY_BYTES = 1024 * 1024;

/** The codes of the README's error tables, and Apollo Server's own (README, "Error codes"), that a refusal may carry. */
const REFUSAL_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'DATE_IN_FUTURE',
  'DATE_BEFORE_EFFECTIVE',
  'TEMPLATE_RETIRED',
  'ACCEPTANCE_ALREADY_EXISTS',
  'ATTESTATION_NOT_APPLICABLE',
  'AGREEMENT_NOT_SUPPORTED_IN_CLOUD',
  'ACCEPTANCE_REQUIRED',
  'PAYLOAD_TOO_LARGE',
  'QUERY_LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
  'WEBHOOK_ENDPOINT_LIMIT_REACHED',
  'METHOD_NOT_ALLOWED',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const TRACE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const NOW = new Date();
const TODAY = NOW.toISOString().slice(0, 10);
/** Dates every rule accepts for the MCA template: from its effective date to yesterday. */
const validDate = dateBetween('2019-10-01', new Date(NOW.getTime() - 86_400_000).toISOString().slice(0, 10));

const CONTACT_FIELDS = 'acceptedBy { firstName lastName email phoneNumber }';
const CONFIRM = `mutation ($input: ConfirmAcceptanceInput!) {
  confirmCustomerAcceptance(input: $input) { acceptance { id customerId dateAgreed ${CONTACT_FIELDS} agreement { templateId } } }
}`;
const ATTEST = `mutation ($input: AttestAcceptanceInput!) {
  attestCustomerAcceptance(input: $input) { acceptance { id customerId dateAgreed scenario ${CONTACT_FIELDS} } }
}`;
const BULK_RESULTS = `succeeded failed results {
  ... on AcceptanceSuccess { index acceptance { id customerId dateAgreed ${CONTACT_FIELDS} } }
  ... on AcceptanceProblem { index code field }
}`;
const CONFIRM_MANY = `mutation ($inputs: [ConfirmAcceptanceInput!]!) { confirmCustomerAcceptances(inputs: $inputs) { ${BULK_RESULTS} } }`;
const ATTEST_MANY = `mutation ($inputs: [AttestAcceptanceInput!]!) { attestCustomerAcceptances(inputs: $inputs) { ${BULK_RESULTS} } }`;
const CREATE_CUSTOMER = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id companyName domain primaryContact { firstName lastName email phoneNumber } }
    acceptance { id dateAgreed ${CONTACT_FIELDS} }
  }
}`;
const CREATE_ORDER = `mutation ($input: CreateOrderInput!) {
  createOrder(input: $input) {
    order { id customerId lineItems { quantity offer { id } subscription { id quantity } } }
    acceptance { id dateAgreed ${CONTACT_FIELDS} }
  }
}`;
const UPDATE_QUANTITY = `mutation ($input: UpdateSubscriptionQuantityInput!) {
  updateSubscriptionQuantity(input: $input) { subscription { id quantity } }
}`;
const CUSTOMER = `query ($id: ID!) {
  customer(id: $id) { id companyName domain primaryContact { firstName lastName email phoneNumber } }
}`;
const CUSTOMERS = `query ($first: Int, $after: String, $filter: CustomerFilter) {
  customers(first: $first, after: $after, filter: $filter) { totalCount nodes { id companyName } pageInfo { hasNextPage endCursor } }
}`;
const HISTORY = `query ($id: ID!, $first: Int, $after: String) {
  customer(id: $id) { acceptances(first: $first, after: $after) { totalCount nodes { id } pageInfo { endCursor } } }
}`;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: any;
}

/** One HTTP request that must be answered within HANG_MS. */
async function call(url: string, init: RequestInit = {}, hangMs = HANG_MS): Promise<Reply> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(hangMs) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

const show = (reply: Reply) => `HTTP ${reply.status}: ${reply.text.slice(0, 600)}`;

function fail(message: string, reply: Reply): never {
  throw new Error(`${message}\n${show(reply)}`);
}

/**
 * The GraphQL answer is well-formed: not 5xx, JSON, errors whenever it is not
 * a 200, every error code documented, and no bulk item failed unexpectedly.
 */
function checkGraphQL(reply: Reply): void {
  if (reply.status >= 500) fail('a 5xx answer', reply);
  if (typeof reply.json !== 'object' || reply.json === null) fail('an answer that is not JSON', reply);
  const errors = reply.json.errors as { extensions?: { code?: unknown } }[] | undefined;
  if (reply.status !== 200 && !(Array.isArray(errors) && errors.length > 0)) fail('a refusal without errors', reply);
  for (const error of errors ?? []) {
    if (!REFUSAL_CODES.has(error.extensions?.code as string)) fail(`an undocumented code ${String(error.extensions?.code)}`, reply);
  }
  for (const result of Object.values(reply.json.data ?? {})) {
    for (const item of (result as { results?: { code?: string }[] } | null)?.results ?? []) {
      if (item.code !== undefined && !REFUSAL_CODES.has(item.code)) fail(`a bulk item with code ${item.code}`, reply);
    }
  }
}

/** The REST answer is well-formed: not 5xx; a refusal is a Partner Center error body with a documented code. */
function checkRest(reply: Reply): void {
  if (reply.status >= 500) fail('a 5xx answer', reply);
  if (reply.status < 400) return;
  const body = reply.json;
  if (typeof body !== 'object' || body === null) fail('a refusal that is not JSON', reply);
  if (typeof body.code !== 'number' || typeof body.description !== 'string') fail('a refusal without a Partner Center code', reply);
  if (!Array.isArray(body.data) || !REFUSAL_CODES.has(body.data[0]?.code)) fail(`an undocumented code ${String(body.data?.[0]?.code)}`, reply);
}

const codeOf = (reply: Reply): string | undefined => reply.json?.errors?.[0]?.extensions?.code;

describe.each(testDatabases())('hostile input (%s)', (kind) => {
  let app: TestApp;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}` });

  /** What the hostile requests created, by id, to account for every row afterwards. */
  const created = { customers: new Set<string>(), acceptances: new Set<string>(), orders: new Set<string>(), subscriptions: new Set<string>() };
  let domains = 0;

  const gql = (query: string, variables?: unknown, headers: Record<string, string> = {}, hangMs = HANG_MS) =>
    call(
      `${app.url}/graphql`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...auth(), ...headers }, body: JSON.stringify({ query, variables }) },
      hangMs,
    );

  const rest = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    call(`${app.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...auth(), ...headers },
      body,
    });

  const row = async (sql: string, params: unknown[]) => (await app.db.query(sql, params))[0] as Record<string, unknown> | undefined;

  /** An acceptance as stored, its contact read straight from the table. */
  const storedAcceptance = async (id: string) => {
    const r = await row(
      'SELECT customer_id, accepted_by_first_name, accepted_by_last_name, accepted_by_email, accepted_by_phone_number FROM acceptances WHERE id = ?',
      [id],
    );
    return r && {
      customerId: r.customer_id,
      firstName: r.accepted_by_first_name,
      lastName: r.accepted_by_last_name,
      email: r.accepted_by_email,
      phoneNumber: r.accepted_by_phone_number ?? null,
    };
  };

  const acceptanceIds = async () => new Set((await app.db.query<{ id: string }>('SELECT id FROM acceptances')).map((r) => r.id));

  /** The acceptances recorded since `before` (REST answers carry no id). */
  const recordedSince = async (before: Set<string>) => [...(await acceptanceIds())].filter((id) => !before.has(id));

  /**
   * A recorded acceptance, as answered and as stored, holds the contact sent, if one was sent: each
   * field sent from the tables of outcomes as written there, any other as part of what was sent.
   */
  const checkRecorded = async (recorded: { id: string; acceptedBy: unknown }, sent: unknown) => {
    created.acceptances.add(recorded.id);
    const stored = await storedAcceptance(recorded.id);
    expect(stored).toBeDefined();
    expect(stored).toEqual({ customerId: expect.any(String), ...(recorded.acceptedBy as object) });
    if (sent !== null && sent !== undefined) {
      expect({ sent, problems: contactProblems(sent, recorded.acceptedBy as ContactStored) }).toEqual({ sent, problems: [] });
    }
  };

  const customerIdArb = fc.constantFrom('H-1', 'H-2', 'H-3', 'X-1', 'unknown-customer', 'h-1', ' H-1', 'H-1 ');
  const templateIdArb = fc.constantFrom(MCA_V1, MCLOUD, null, 'unknown-template', MCA_V1.toUpperCase());
  const contactArb = fc.oneof({ weight: 1, arbitrary: hostileValue }, {
    weight: 4,
    arbitrary: looseRecord({
      firstName: validOrHostile(tableInput(NAME_CASES)),
      lastName: validOrHostile(tableInput(NAME_CASES)),
      email: validOrHostile(tableInput(EMAIL_CASES)),
      phoneNumber: validOrHostile(tableInput(PHONE_CASES)),
    }),
  });
  const acceptanceInputArb = (customerIds: fc.Arbitrary<string> | null) =>
    looseRecord({
      ...(customerIds ? { customerId: validOrHostile(customerIds) } : {}),
      templateId: validOrHostile(templateIdArb),
      dateAgreed: validOrHostile(fc.oneof(validDate, fc.constantFrom(TODAY, '2019-09-30', '2099-01-01', '2026-02-30', '2026-11-20T00:00:00Z'))),
      acceptedBy: contactArb,
    });
  /** Text for a URL: percent-encoded, it stays well under Node's 16 KB of headers (a test below covers more). */
  const urlString = hostileString.map((s) => s.slice(0, 1_000));

  /** JSON nested up to as deep as 1 MB allows. */
  const deepJson = fc
    .tuple(fc.constantFrom(100, 10_000, 200_000), fc.constantFrom(['[', ']'], ['{"a":', '}']))
    .map(([depth, [open, close]]) => `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`);

  /** How text goes on the wire: UTF-8 as JSON must be, or Latin-1 as an older client might send it. */
  const encoding = fc.constantFrom<BufferEncoding>('utf8', 'utf8', 'utf8', 'latin1');

  /** The variable itself: mostly an input object, sometimes anything at all. */
  const variable = <T>(input: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: input }, { weight: 1, arbitrary: hostileValue });

  beforeAll(async () => {
    app = await startApp(kind, {
      clock: fixedClock(NOW),
      env: { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '1000000', RATE_LIMIT_UNAUTHENTICATED_BURST: '1000000' },
    });
    await app.seed({
      partners: partners(),
      offers: offers(),
      customers: [
        customer('H-1'),
        customer('H-2', { partnerIds: [P.direct, P.other] }),
        customer('H-3'),
        customer('X-1', { partnerIds: [P.other] }),
      ],
      subscriptions: [subscription('S-1', 'H-1', P.direct), subscription('S-2', 'H-2', P.other), subscription('S-3', 'X-1', P.other)],
      acceptances: [acceptance('A-1', 'H-1', P.direct)],
    });
    token = await app.token(P.direct, ['ADMIN_AGENT', 'GLOBAL_ADMIN'], 'hostile-agent');
  });
  afterAll(() => app.close());

  describe('GraphQL mutations', () => {
    it('confirmCustomerAcceptance: any input is answered with a documented code, or recorded exactly as sent', async () => {
      await fc.assert(
        fc.asyncProperty(variable(acceptanceInputArb(customerIdArb)), async (input) => {
          const reply = await gql(CONFIRM, { input });
          checkGraphQL(reply);
          const recorded = reply.json.data?.confirmCustomerAcceptance?.acceptance;
          if (recorded) await checkRecorded(recorded, (input as { acceptedBy?: unknown }).acceptedBy);
        }),
        { numRuns: 80 },
      );
    });

    it('attestCustomerAcceptance: any input is answered with a documented code, or recorded exactly as sent', async () => {
      await fc.assert(
        fc.asyncProperty(variable(acceptanceInputArb(customerIdArb)), async (input) => {
          const reply = await gql(ATTEST, { input });
          checkGraphQL(reply);
          const recorded = reply.json.data?.attestCustomerAcceptance?.acceptance;
          if (recorded) await checkRecorded(recorded, (input as { acceptedBy?: unknown }).acceptedBy);
        }),
        { numRuns: 60 },
      );
    });

    it.each([
      ['confirmCustomerAcceptances', CONFIRM_MANY],
      ['attestCustomerAcceptances', ATTEST_MANY],
    ])('%s: any list of inputs is answered item by item with documented codes', async (name, mutation) => {
      const inputs = fc.oneof(
        { weight: 8, arbitrary: fc.array(variable(acceptanceInputArb(customerIdArb)), { maxLength: 6 }) },
        { weight: 1, arbitrary: hostileValue },
        { weight: 1, arbitrary: fc.constantFrom(0, 500, 501, 2_000).map((n) => Array.from({ length: n }, () => ({ customerId: 'H-3', dateAgreed: TODAY }))) },
      );
      await fc.assert(
        fc.asyncProperty(inputs, async (sent) => {
          // Up to 500 items, each its own transaction (and a refused one its own audit event): more time than one mutation.
          const reply = await gql(mutation, { inputs: sent }, {}, BULK_HANG_MS);
          checkGraphQL(reply);
          for (const result of reply.json.data?.[name]?.results ?? []) {
            if (result.acceptance) await checkRecorded(result.acceptance, (sent as { acceptedBy?: unknown }[])[result.index].acceptedBy);
          }
        }),
        { numRuns: 40 },
      );
    });

    it('createCustomer: any input is answered with a documented code, or stored exactly as sent', async () => {
      // Upper case is valid (stored lower-cased); look-alikes that lower-case to ASCII (the Kelvin sign) are not ASCII.
      const domainOutcomes = new Map<string, string | null>();
      const uniqueDomain = fc
        .constantFrom(['', ''], ['UPPER.', 'upper.'], ['\u212a.', null], ['xn--bcher-kva.', 'xn--bcher-kva.'])
        .map(([prefix, stored]) => {
          const n = ++domains;
          domainOutcomes.set(`${prefix}hostile-${n}.example`, stored === null ? null : `${stored}hostile-${n}.example`);
          return `${prefix}hostile-${n}.example`;
        });
      const input = looseRecord({
        companyName: validOrHostile(tableInput(COMPANY_NAME_CASES)),
        domain: validOrHostile(uniqueDomain),
        primaryContact: contactArb,
        agreementAcceptance: fc.oneof(hostileValue, acceptanceInputArb(null)),
      });
      await fc.assert(
        fc.asyncProperty(variable(input), async (sent) => {
          const reply = await gql(CREATE_CUSTOMER, { input: sent });
          checkGraphQL(reply);
          const answer = reply.json.data?.createCustomer;
          if (!answer) return;
          const s = sent as { companyName: string; domain: string; primaryContact: ContactSent; agreementAcceptance?: { acceptedBy?: unknown } };
          created.customers.add(answer.customer.id);
          // A domain name is ASCII letters, digits, hyphens and dots, stored in lower case.
          const domainProblem = domainOutcomes.has(s.domain)
            ? domainOutcomes.get(s.domain) === answer.customer.domain
              ? null
              : `${s.domain} should be ${domainOutcomes.get(s.domain) ?? 'refused'}`
            : /^[a-z0-9.-]+$/.test(answer.customer.domain) && s.domain.toLowerCase().includes(answer.customer.domain)
              ? null
              : `${answer.customer.domain} is not ${s.domain} in lower case`;
          const problems = [
            storedProblem(COMPANY_NAME_CASES, s.companyName, answer.customer.companyName),
            domainProblem,
            ...contactProblems(s.primaryContact, answer.customer.primaryContact),
          ].filter(Boolean);
          expect({ sent: s, problems }).toEqual({ sent: s, problems: [] });
          const expected = answer.customer as { id: string; companyName: string; domain: string; primaryContact: ContactStored };
          const r = await row(
            'SELECT id, company_name, domain, contact_first_name, contact_last_name, contact_email, contact_phone_number FROM customers WHERE id = ?',
            [answer.customer.id],
          );
          expect(r).toEqual({
            id: expected.id,
            company_name: expected.companyName,
            domain: expected.domain,
            contact_first_name: expected.primaryContact.firstName,
            contact_last_name: expected.primaryContact.lastName,
            contact_email: expected.primaryContact.email,
            contact_phone_number: expected.primaryContact.phoneNumber,
          });
          if (answer.acceptance) await checkRecorded(answer.acceptance, s.agreementAcceptance?.acceptedBy);
        }),
        { numRuns: 60 },
      );
    });

    it('createCustomer: a domain with any character that is not ASCII is refused, even one that lower-cases to ASCII', async () => {
      const nonAscii = fc.constantFrom(...TRICKY_CHARACTERS.filter((c) => /[^\x00-\x7f]/.test(c)));
      await fc.assert(
        // Inside the name: at either end, white space is trimmed away as in any text field.
        fc.asyncProperty(nonAscii, fc.integer({ min: 1, max: 12 }), async (character, at) => {
          const ascii = `contoso-${++domains}.example`;
          const domain = `${ascii.slice(0, at)}${character}${ascii.slice(at)}`;
          const reply = await gql(CREATE_CUSTOMER, { input: { companyName: 'Look-alike', domain, primaryContact: contact() } });
          checkGraphQL(reply);
          const customer = reply.json.data?.createCustomer?.customer ?? null;
          if (customer) created.customers.add(customer.id);
          expect(customer && { sent: domain, stored: customer.domain }).toBeNull();
          expect(reply.json.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.domain' });
        }),
        { numRuns: 60 },
      );
    });

    it('createCustomer: a name with an invisible or direction-changing character inside is refused, naming the field', async () => {
      const fields = ['companyName', 'primaryContact.firstName', 'primaryContact.lastName'] as const;
      const visible = fc.constantFrom('Tania', "O'Brien", 'Zoë', 'Jose\u0301', '😀', '👩‍👩‍👧', '%_%', '李', 'a b');
      const inside = fc.tuple(visible, fc.constantFrom(...INVISIBLE_CHARACTERS), visible).map(([before, character, after]) => `${before}${character}${after}`);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...fields), inside, async (field, text) => {
          const input = { companyName: 'Invisible', domain: `invisible-${++domains}.example`, primaryContact: contact() };
          if (field === 'companyName') input.companyName = text;
          else input.primaryContact = { ...input.primaryContact, [field.split('.')[1]]: text };
          const reply = await gql(CREATE_CUSTOMER, { input });
          checkGraphQL(reply);
          const customer = reply.json.data?.createCustomer?.customer ?? null;
          if (customer) created.customers.add(customer.id);
          expect(customer && { sent: text, stored: customer }).toBeNull();
          expect(reply.json.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: `input.${field}` });
        }),
        { numRuns: 40 },
      );
    });

    it('createOrder: any input is answered with a documented code, or stored exactly as sent', async () => {
      const line = looseRecord({
        offerId: validOrHostile(fc.constantFrom(OFFER.licence, OFFER.usage, 'OFFER-UNKNOWN')),
        quantity: validOrHostile(fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constant(null))),
      });
      const input = looseRecord({
        customerId: validOrHostile(customerIdArb),
        lineItems: fc.oneof({ weight: 6, arbitrary: fc.array(variable(line), { maxLength: 4 }) }, { weight: 1, arbitrary: hostileValue }, {
          weight: 1,
          arbitrary: fc.constantFrom(51, 1_000).map((n) => Array.from({ length: n }, () => ({ offerId: OFFER.usage }))),
        }),
        agreementAcceptance: fc.oneof(hostileValue, acceptanceInputArb(null)),
      });
      await fc.assert(
        fc.asyncProperty(variable(input), async (sent) => {
          const reply = await gql(CREATE_ORDER, { input: sent });
          checkGraphQL(reply);
          const answer = reply.json.data?.createOrder;
          if (!answer) return;
          const s = sent as { lineItems: { offerId: string; quantity?: number | null }[]; agreementAcceptance?: { acceptedBy?: unknown } };
          created.orders.add(answer.order.id);
          expect(answer.order.lineItems.map((l: { offer: { id: string }; quantity: number | null }) => [l.offer.id, l.quantity])).toEqual(
            s.lineItems.map((l) => [l.offerId, l.quantity ?? null]),
          );
          for (const item of answer.order.lineItems) {
            created.subscriptions.add(item.subscription.id);
            const r = await row('SELECT quantity FROM subscriptions WHERE id = ?', [item.subscription.id]);
            expect(r?.quantity === null ? null : Number(r?.quantity)).toBe(item.quantity);
          }
          if (answer.acceptance) await checkRecorded(answer.acceptance, s.agreementAcceptance?.acceptedBy);
        }),
        { numRuns: 60 },
      );
    });

    it('updateSubscriptionQuantity: any input is answered with a documented code, or stored exactly as sent', async () => {
      const input = looseRecord({
        subscriptionId: validOrHostile(fc.constantFrom('S-1', 'S-2', 'S-3', 'unknown-subscription')),
        quantity: validOrHostile(fc.oneof(fc.integer({ min: 1, max: 100_000 }), hostileNumber)),
      });
      await fc.assert(
        fc.asyncProperty(variable(input), async (sent) => {
          const reply = await gql(UPDATE_QUANTITY, { input: sent });
          checkGraphQL(reply);
          const subscription = reply.json.data?.updateSubscriptionQuantity?.subscription;
          if (!subscription) return;
          expect(subscription.quantity).toBe((sent as { quantity: number }).quantity);
          const r = await row('SELECT quantity FROM subscriptions WHERE id = ?', [subscription.id]);
          expect(Number(r?.quantity)).toBe(subscription.quantity);
        }),
        { numRuns: 50 },
      );
    });
  });

  describe('GraphQL queries', () => {
    it('customer(id): any id is a customer, null, or refused with a documented code', async () => {
      await fc.assert(
        fc.asyncProperty(validOrHostile(customerIdArb), async (id) => {
          const reply = await gql(CUSTOMER, { id });
          checkGraphQL(reply);
          const found = reply.json.data?.customer;
          if (found) expect(['H-1', 'H-2', 'H-3']).toContain(found.id);
        }),
        { numRuns: 60 },
      );
    });

    it('customers(first, after, filter): any arguments are a page or refused with a documented code', async () => {
      const filter = looseRecord({
        search: validOrHostile(fc.constantFrom(...SQL_FRAGMENTS, 'company', 'H-1', 'h-', '')),
        agreementStatus: validOrHostile(fc.constantFrom('ACCEPTED', 'OUTDATED', 'NOT_ACCEPTED', 'NOT_APPLICABLE', 'accepted')),
        agreementType: validOrHostile(fc.constantFrom('MICROSOFT_CUSTOMER_AGREEMENT', 'MICROSOFT_CLOUD_AGREEMENT', null)),
      });
      const args = looseRecord({
        first: validOrHostile(fc.integer({ min: 1, max: 500 })),
        after: fc.oneof(hostileValue, craftedCursor),
        filter: variable(filter),
      });
      await fc.assert(
        fc.asyncProperty(args, async (variables) => {
          checkGraphQL(await gql(CUSTOMERS, variables));
        }),
        { numRuns: 80 },
      );
    });

    it('customers(filter.search): SQL wildcards and quotes match only themselves', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...SQL_FRAGMENTS), async (search) => {
          const reply = await gql(CUSTOMERS, { first: 500, filter: { search } });
          checkGraphQL(reply);
          if (reply.json.errors) return; // text the rules refuse (none of these is)
          // Matched case-insensitively; the one fragment with a space at an end is searched without it.
          const term = (search === '-- ' ? '--' : search).toLowerCase();
          const rows = await app.db.query<{ company_name: string; domain: string }>(
            'SELECT c.company_name, c.domain FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id WHERE pc.partner_id = ?',
            [P.direct],
          );
          const expected = rows.filter((r) => `${r.company_name}\n${r.domain}`.toLowerCase().includes(term)).length;
          expect(reply.json.data.customers.totalCount).toBe(expected);
        }),
        { numRuns: SQL_FRAGMENTS.length },
      );
    });

    it('customer.acceptances(first, after): any arguments are a page or refused with a documented code', async () => {
      const args = fc.record({
        id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('H-1', 'H-2', 'H-3') }, { weight: 1, arbitrary: hostileValue }),
        first: fc.option(validOrHostile(fc.integer({ min: 1, max: 500 })), { nil: undefined }),
        after: fc.oneof({ weight: 1, arbitrary: hostileValue }, { weight: 3, arbitrary: craftedCursor }),
      });
      await fc.assert(
        fc.asyncProperty(args, async (variables) => {
          checkGraphQL(await gql(HISTORY, variables));
        }),
        { numRuns: 80 },
      );
    });
  });

  describe('GraphQL documents and envelopes', () => {
    it('hostile text spliced into a document, unescaped, is parsed or refused with a documented code', async () => {
      const templates: ((s: string) => string)[] = [
        (s) => `{ customer(id: "${s}") { id } }`,
        (s) => `{ customers(filter: { search: "${s}" }) { totalCount } }`,
        (s) => `{ customers(first: ${s}) { totalCount } }`,
        (s) => `mutation { confirmCustomerAcceptance(input: { customerId: "${s}", dateAgreed: "${TODAY}" }) { acceptance { id } } }`,
        (s) => `mutation { confirmCustomerAcceptance(input: { customerId: "H-3", dateAgreed: "${s}" }) { acceptance { id } } }`,
        (s) => `{ me { userId } } ${s}`,
        (s) => `${s} { me { userId } }`,
        (s) => `${s} Q { me { userId } }`,
        (s) => s,
      ];
      const injections = fc.constantFrom(
        '") { id } x: customers { nodes { id } } y: customer(id: "',
        '"""',
        '\\u0000',
        '\\uD800',
        '#',
        '{'.repeat(100),
        '}',
        '$input',
        '...on Query { me { userId } }',
        'query { __schema { types { name } } }',
        '1e400',
        '99999999999999999999',
        'query',
        'mutation',
        'subscription',
        'fragment',
        'schema',
        'extend type Query { x: Int }',
        '{ __typename } query Q',
        'query ($x: Int = 1e400)',
        '@skip(if: true)',
        '@deprecated',
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...templates), fc.oneof(hostileString, injections), async (template, s) => {
          const reply = await gql(template(s));
          checkGraphQL(reply);
          const recorded = reply.json.data?.confirmCustomerAcceptance?.acceptance;
          if (recorded) created.acceptances.add(recorded.id);
        }),
        { numRuns: 80 },
      );
    });

    it('any body under any content type is answered with a documented code', async () => {
      const contentTypes = fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'application/graphql-response+json',
        'application/vnd.api+json',
        'application/graphql',
        'text/plain',
        'text/plain; charset=utf-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        '',
        ';;;',
        'application/json, text/plain',
      );
      const accepts = fc.constantFrom(undefined, 'application/json', 'application/graphql-response+json', 'text/html', '*/*', 'nothing/known');
      const bodies = fc.oneof(
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
        looseRecord({
          query: fc.oneof(
            hostileValue,
            fc.constantFrom(
              '{ me { userId } }',
              'mutation { __typename }',
              'subscription { __typename }',
              'query A { me { userId } } query B { __typename }',
              'query A { me { userId } } mutation B { __typename }',
              CUSTOMER,
            ),
          ),
          variables: fc.oneof(hostileValue, fc.constant('{"id":"H-1"}'), fc.constant({ id: 'H-1' })),
          operationName: fc.oneof(hostileValue, fc.constantFrom('A', 'B', 'C')),
          extensions: fc.oneof(
            hostileValue,
            fc.record({ persistedQuery: fc.oneof(hostileValue, looseRecord({ version: fc.oneof(fc.constant(1), hostileValue), sha256Hash: hostileValue })) }),
          ),
        }).map((body) => JSON.stringify(body)),
        fc.array(fc.constant({ query: '{ me { userId } }' }), { minLength: 0, maxLength: 3 }).map((batch) => JSON.stringify(batch)),
        deepJson.map((deep) => `{"query":${JSON.stringify(CONFIRM)},"variables":{"input":{"customerId":"H-3","dateAgreed":"${TODAY}"},"deep":${deep}}}`),
        fc.constant(
          JSON.stringify({
            query: CONFIRM,
            variables: { input: { customerId: 'H-3', dateAgreed: TODAY, acceptedBy: { firstName: 'José', lastName: 'Núñez', email: 'jose@example.com' } } },
          }),
        ),
        hostileString,
        fc.constantFrom('', 'null', '{', '{"query": "{ me { userId } }"', '\ufeff{"query":"{ me { userId } }"}', '{"query":"{ me { userId } }"}\u0000'),
      );
      await fc.assert(
        fc.asyncProperty(contentTypes, accepts, bodies, fc.boolean(), encoding, fc.option(headerValue, { nil: undefined }), async (contentType, accept, body, preflight, encoded, key) => {
          const before = await acceptanceIds();
          const reply = await call(`${app.url}/graphql`, {
            method: 'POST',
            headers: {
              ...auth(),
              ...(contentType ? { 'content-type': contentType } : {}),
              ...(accept ? { accept } : {}),
              ...(preflight ? { 'apollo-require-preflight': 'true' } : {}),
              ...(key === undefined ? {} : { 'idempotency-key': key }),
            },
            body: Buffer.from(body, encoded),
          });
          checkGraphQL(reply);
          const recorded = await recordedSince(before);
          recorded.forEach((a) => created.acceptances.add(a));
          // Text that is not UTF-8 is never taken (and so never stored altered).
          if (recorded.length > 0) expect(Buffer.from(body, encoded).equals(Buffer.from(body, 'utf8'))).toBe(true);
        }),
        { numRuns: 100 },
      );
    });

    it('any query string on GET /graphql is answered with a documented code', async () => {
      const params = looseRecord({
        query: fc.oneof(urlString, fc.constantFrom('{ me { userId } }', 'mutation { __typename }', '{ customers { totalCount } }')),
        variables: fc.oneof(urlString, fc.constant('{"id":"H-1"}'), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))),
        operationName: urlString,
        extensions: fc.oneof(urlString, fc.constant('{"persistedQuery":{"version":1,"sha256Hash":"x"}}')),
      });
      await fc.assert(
        fc.asyncProperty(params, fc.boolean(), async (p, preflight) => {
          const search = new URLSearchParams(Object.entries(p).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
          fc.pre(search.toString().length < 12_000); // a longer URL is the HTTP parser's 431 (tested below)
          const reply = await call(`${app.url}/graphql?${search}`, {
            headers: { ...auth(), ...(preflight ? { 'apollo-require-preflight': 'true' } : {}) },
          });
          checkGraphQL(reply);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('other routes', () => {
    it('any method on any path outside /v1 is answered, a refusal in JSON with a documented code', async () => {
      const path = fc.oneof(
        fc.constantFrom('/graphql', '/healthz', '/readyz', '/metrics', '/', '/nope', '//graphql', '/graphql/', '/GRAPHQL', '/%00', '/..%2f..%2fetc%2fpasswd', '/graphql?query=%7Bme%7BuserId%7D%7D'),
        urlString.map((s) => `/${encodeURIComponent(s.toWellFormed())}`),
      );
      const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
      await fc.assert(
        fc.asyncProperty(method, path, async (m, p) => {
          const reply = await call(`${app.url}${p}`, { method: m, headers: { ...auth(), 'content-type': 'application/json' }, body: m === 'GET' ? undefined : '{}' });
          if (p === '/metrics') return expect(reply.status).toBe(200);
          if (reply.status < 400 && !p.startsWith('/graphql')) return;
          checkGraphQL(reply);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('REST', () => {
    const restDate = fc.oneof(
      validDate,
      validDate.map((d) => `${d}T00:00:00.000Z`),
      validDate.map((d) => `${d}T23:59:59+14:00`),
      validDate.map((d) => ` ${d}T08:00:00.1234567-12:00 `),
      fc.constantFrom(`${TODAY}T00:00:00Z`, '2099-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-20T24:00:00Z', '2026-11-20T00:00:00+15:00'),
    );
    const agreementBody = looseRecord({
      primaryContact: contactArb,
      templateId: validOrHostile(templateIdArb),
      dateAgreed: validOrHostile(restDate),
      type: validOrHostile(fc.constantFrom('MicrosoftCustomerAgreement', 'microsoftcustomeragreement', ' MicrosoftCustomerAgreement ', 'MicrosoftCloudAgreement', '*')),
      agreementLink: validOrHostile(fc.constantFrom('https://aka.ms/customeragreement', ' https://aka.ms/customeragreement ', 'https://evil.example')),
      userId: hostileValue,
    });
    /** The JSON text of a body; sometimes with numbers JSON can write but a double cannot hold, or nested very deep. */
    const bodyText = fc.oneof(
      { weight: 1, arbitrary: deepJson.map((deep) => `{"dateAgreed":"${TODAY}","userId":${deep}}`) },
      { weight: 8, arbitrary: variable(agreementBody).map((body) => JSON.stringify(body)) },
      { weight: 1, arbitrary: fc.constantFrom('{"dateAgreed":1e400}', '{"templateId":123456789012345678901234567890,"dateAgreed":"2026-01-01"}', '{"primaryContact":{"firstName":-1e400}}') },
      { weight: 1, arbitrary: hostileString },
    );
    const pathId = fc.oneof(
      { weight: 3, arbitrary: customerIdArb.map(encodeURIComponent) },
      { weight: 3, arbitrary: urlString.map((s) => encodeURIComponent(s.toWellFormed())) },
      { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', '%ED%A0%80', '%00', '..', '.', '%2F', 'H-1%00', 'H-1%20', "'%20OR%201=1%20--") },
    );

    it('POST /v1/customers/{id}/agreements: any id and body are answered with a documented code, or recorded exactly as sent', async () => {
      await fc.assert(
        fc.asyncProperty(pathId, bodyText, encoding, fc.option(headerValue, { nil: undefined }), async (id, body, encoded, requestId) => {
          const before = await acceptanceIds();
          const bytes = Buffer.from(body, encoded);
          const reply = await rest('POST', `/v1/customers/${id}/agreements`, bytes, requestId === undefined ? {} : { 'ms-requestid': requestId });
          checkRest(reply);
          const recorded = await recordedSince(before);
          recorded.forEach((a) => created.acceptances.add(a));
          if (reply.status !== 201) return expect(recorded).toEqual([]);
          if (reply.headers.get('idempotent-replayed')) return;
          // Text that is not UTF-8 is never taken (and so never stored altered).
          expect(bytes.equals(Buffer.from(body, 'utf8'))).toBe(true);
          expect(recorded).toHaveLength(1);
          const sent = JSON.parse(body) as { primaryContact?: unknown };
          const answer = reply.json;
          expect(answer.userId).toBe('hostile-agent');
          const stored = await storedAcceptance(recorded[0]);
          const { phoneNumber = null, ...named } = answer.primaryContact;
          expect(stored).toEqual({ customerId: expect.any(String), ...named, phoneNumber });
          if (sent.primaryContact !== null && sent.primaryContact !== undefined) {
            const problems = contactProblems(sent.primaryContact, { ...named, phoneNumber } as ContactStored);
            expect({ sent: sent.primaryContact, problems }).toEqual({ sent: sent.primaryContact, problems: [] });
          }
        }),
        { numRuns: 80 },
      );
    });

    it('GET routes: any agreementType, id and path are answered, or refused with a documented code', async () => {
      const agreementType = fc.oneof(urlString, fc.constantFrom('MicrosoftCustomerAgreement', 'MicrosoftCloudAgreement', '*', 'microsoftcustomeragreement'));
      const target = fc.oneof(
        agreementType.map((t) => `/v1/agreements?${new URLSearchParams({ agreementType: t })}`),
        fc.tuple(pathId, agreementType).map(([id, t]) => `/v1/customers/${id}/agreements?${new URLSearchParams({ agreementType: t })}`),
        agreementType.map((t) => `/v1/reports/acceptance-status.csv?${new URLSearchParams({ agreementType: t })}`),
        urlString.map((s) => `/v1/${encodeURIComponent(s.toWellFormed())}`),
        fc.constantFrom('/v1', '/v1/', '/V1/AGREEMENTS', '/v1/customers//agreements', '/v1/customers/H-1/agreements/', '/v1/agreements?agreementType=%', '/v1/agreements?agreementType=%FF'),
      );
      const method = fc.constantFrom('GET', 'GET', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'POST');
      await fc.assert(
        fc.asyncProperty(method, target, async (m, path) => {
          const reply = await rest(m, path, m === 'POST' ? '{}' : undefined);
          if (m === 'HEAD') {
            expect(reply.status).toBeLessThan(500);
            return;
          }
          checkRest(reply);
        }),
        { numRuns: 80 },
      );
    });
  });

  describe('headers', () => {
    it('Authorization garbage is refused with 401 UNAUTHENTICATED on every route', async () => {
      const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
      const jwtShaped = fc
        .tuple(
          fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom({ alg: 'none' }, { alg: 'HS256', typ: 'JWT' }, { alg: 'RS256', kid: '../../x' }, { alg: 'HS256', crit: ['x'] })),
          fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant({ tid: P.direct, oid: 'x', roles: ['ADMIN_AGENT'], exp: 9_999_999_999 })),
          fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 40 }), fc.constant('')),
        )
        .map(([header, payload, signature]) => `${b64(header)}.${b64(payload)}.${b64(signature)}`);
      const authorization = fc.oneof(
        headerValue,
        headerValue.map((v) => `Bearer ${v}`),
        jwtShaped.map((t) => `Bearer ${t}`),
        fc.constantFrom('Bearer', 'Bearer ', 'bearer', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c', 'Bearer ...', 'Bearer Bearer x', 'Digest x'),
        fc.nat({ max: 200 }).map((i) => `Bearer ${token.slice(0, i)}`),
        // One character of the real token changed (not the last of a part, whose low bits base64url may ignore).
        fc
          .nat({ max: 200 })
          .filter((i) => token[i] !== '.' && token[i + 1] !== '.' && i < token.length - 1)
          .map((i) => `Bearer ${token.slice(0, i)}${token[i] === 'x' ? 'y' : 'x'}${token.slice(i + 1)}`),
      );
      await fc.assert(
        fc.asyncProperty(authorization, fc.nat({ max: 4 }), async (value, target) => {
          const json = { authorization: value, 'content-type': 'application/json' };
          const confirm = JSON.stringify({ query: CONFIRM, variables: { input: { customerId: 'H-3', dateAgreed: TODAY } } });
          const requests = [
            () => call(`${app.url}/graphql`, { method: 'POST', headers: json, body: JSON.stringify({ query: '{ me { userId } }' }) }),
            () => call(`${app.url}/graphql`, { method: 'POST', headers: { ...json, 'idempotency-key': 'garbage-auth' }, body: confirm }),
            () => call(`${app.url}/v1/agreements`, { headers: { authorization: value } }),
            () => call(`${app.url}/v1/customers/H-1/agreements`, { method: 'POST', headers: { authorization: value }, body: JSON.stringify({ dateAgreed: TODAY }) }),
            () => call(`${app.url}/v1/reports/acceptance-status.csv`, { headers: { authorization: value } }),
          ];
          const reply = await requests[target]();
          if (target < 2) checkGraphQL(reply);
          else checkRest(reply);
          expect(reply.status).toBe(401);
          expect(target < 2 ? codeOf(reply) : reply.json.data[0].code).toBe('UNAUTHENTICATED');
        }),
        { numRuns: 80 },
      );
    });

    it('request ids, correlation ids and idempotency keys of any shape are echoed when usable, else replaced, and never fail a request', async () => {
      const maybe = (arb: fc.Arbitrary<string>) => fc.option(arb, { nil: undefined });
      const headers = fc.record({
        'x-request-id': maybe(headerValue),
        'ms-correlationid': maybe(headerValue),
        'ms-requestid': maybe(headerValue),
        'idempotency-key': maybe(headerValue),
      });
      const input = { customerId: 'H-3', dateAgreed: TODAY, acceptedBy: contact({ firstName: 'Idem' }) };
      await fc.assert(
        fc.asyncProperty(headers, fc.boolean(), async (sent, viaRest) => {
          const given = Object.fromEntries(Object.entries(sent).filter(([, v]) => v !== undefined)) as Record<string, string>;
          const before = await acceptanceIds();
          const reply = viaRest
            ? await rest('POST', '/v1/customers/H-3/agreements', JSON.stringify({ dateAgreed: TODAY, primaryContact: input.acceptedBy }), given)
            : await gql(CONFIRM, { input }, given);
          if (viaRest) checkRest(reply);
          else checkGraphQL(reply);
          (await recordedSince(before)).forEach((a) => created.acceptances.add(a));
          // Node trims header values: compare with what was on the wire.
          const wire = (name: string) => given[name]?.replace(/^[\t ]+|[\t ]+$/g, '');
          const requestId = reply.headers.get('x-request-id');
          expect(requestId).toMatch(TRACE_ID);
          const usable = (name: string) => (wire(name) && TRACE_ID.test(wire(name)!) ? wire(name) : undefined);
          if (usable('x-request-id')) expect(requestId).toBe(usable('x-request-id'));
          if (given['x-request-id'] === undefined && usable('ms-requestid')) expect(requestId).toBe(usable('ms-requestid'));
          if (usable('ms-correlationid')) expect(reply.headers.get('ms-correlationid')).toBe(usable('ms-correlationid'));
          if (viaRest) {
            expect(reply.headers.get('ms-correlationid')).toMatch(TRACE_ID);
            expect(reply.headers.get('ms-requestid')).toBe(usable('ms-requestid') ?? requestId);
          }
        }),
        { numRuns: 80 },
      );
    });

    it('a request whose headers exceed 16 KB is refused by the HTTP parser (431) at once, and the server goes on answering', async () => {
      const oversized: Record<string, string>[] = [{ 'x-request-id': 'x'.repeat(20_000) }, { authorization: `Bearer ${'a'.repeat(20_000)}` }];
      for (const headers of oversized) {
        const reply = await call(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
        expect(reply.status).toBe(431);
      }
      const path = await call(`${app.url}/v1/customers/${'a'.repeat(20_000)}/agreements`, { headers: auth() });
      expect(path.status).toBe(431);
      expect((await gql('{ me { userId } }')).json).toEqual({ data: { me: { userId: 'hostile-agent' } } });
    });
  });

  describe('very long strings', () => {
    it('a field of up to 1 MB is refused as bad input, a body over 1 MB with 413, and nothing is stored', async () => {
      const before = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM acceptances');
      const cases = fc.tuple(
        fc.constantFrom('firstName', 'email', 'customerId', 'dateAgreed', 'templateId'),
        fc.constantFrom(300_000, MAX_BODY_BYTES - 400, MAX_BODY_BYTES + 1),
        fc.constantFrom('a', '😀', "'"),
        fc.boolean(),
      );
      await fc.assert(
        fc.asyncProperty(cases, async ([field, bytes, unit, viaRest]) => {
          const long = unit.repeat(Math.floor(bytes / Buffer.byteLength(unit)));
          const acceptedBy = { ...contact(), ...(field === 'firstName' || field === 'email' ? { [field]: long } : {}) };
          const stated = (names: string[]) => (names.includes(field) ? { [field]: long } : {});
          const input = { customerId: 'H-3', dateAgreed: TODAY, acceptedBy, ...stated(['customerId', 'dateAgreed', 'templateId']) };
          // REST: the id is in the path, which Node limits to 16 KB of headers; 2,000 characters are past any id.
          const body = viaRest
            ? JSON.stringify({ dateAgreed: TODAY, primaryContact: acceptedBy, ...stated(['dateAgreed', 'templateId']) })
            : JSON.stringify({ query: CONFIRM, variables: { input } });
          const reply = viaRest
            ? await rest('POST', `/v1/customers/${field === 'customerId' ? 'a'.repeat(2_000) : 'H-3'}/agreements`, body)
            : await call(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body });
          if (viaRest) checkRest(reply);
          else checkGraphQL(reply);
          const code = viaRest ? reply.json?.data?.[0]?.code : codeOf(reply);
          if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
            expect(reply.status).toBe(413);
            expect(code).toBe('PAYLOAD_TOO_LARGE');
          } else {
            expect(code).toBe('BAD_USER_INPUT');
          }
        }),
        { numRuns: 8 },
      );
      expect(await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM acceptances')).toEqual(before);
    });
  });

  describe('the tables of outcomes, one input at a time', () => {
    const fields = [
      { field: 'companyName', cases: COMPANY_NAME_CASES },
      { field: 'primaryContact.firstName', cases: NAME_CASES },
      { field: 'primaryContact.lastName', cases: NAME_CASES },
      { field: 'primaryContact.email', cases: EMAIL_CASES },
      { field: 'primaryContact.phoneNumber', cases: PHONE_CASES },
    ] as const;

    it.each(fields)('createCustomer takes each accepted $field as written in its table, and refuses each refused one naming the field', async ({ field, cases }) => {
      const send = async (value: unknown) => {
        const input = { companyName: 'Table Co', domain: `table-${++domains}.example`, primaryContact: contact() as Record<string, unknown> };
        if (field === 'companyName') Object.assign(input, { companyName: value });
        else input.primaryContact = { ...input.primaryContact, [field.split('.')[1]]: value };
        if (value === undefined) delete input.primaryContact[field.split('.')[1]];
        const reply = await gql(CREATE_CUSTOMER, { input });
        checkGraphQL(reply);
        const customer = reply.json.data?.createCustomer?.customer ?? null;
        if (customer) created.customers.add(customer.id);
        return { customer, extensions: reply.json.errors?.[0]?.extensions };
      };
      const read = (customer: { companyName: string; primaryContact: Record<string, unknown> }) =>
        field === 'companyName' ? customer.companyName : customer.primaryContact[field.split('.')[1]];
      for (const [sent, stored] of cases.accepted) {
        const { customer, extensions } = await send(sent);
        expect({ sent, stored: customer && read(customer), extensions }).toEqual({ sent, stored, extensions: undefined });
      }
      for (const sent of cases.refused) {
        const { customer, extensions } = await send(sent);
        // A null where text is required is refused by the schema, before any field rule.
        const expected = sent === null ? { code: 'BAD_USER_INPUT' } : { code: 'BAD_USER_INPUT', field: `input.${field}` };
        expect({ sent, customer, code: extensions?.code, field: sent === null ? undefined : extensions?.field }).toEqual({ sent, customer: null, ...expected, field: expected.field });
      }
    });
  });

  describe('valid input, stored exactly as sent', () => {
    it('createCustomer then confirm: names with emoji, combining marks, SQL and script text come back exactly, trimmed', async () => {
      const input = fc.record({
        companyName: fc.constantFrom(...COMPANY_NAME_CASES.accepted),
        upper: fc.boolean(),
        primaryContact: validContact,
        acceptedBy: validContact,
        dateAgreed: validDate,
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ companyName: [companyName, storedCompanyName], upper, primaryContact: primary, acceptedBy: signatory, dateAgreed }) => {
          const [primaryContact, acceptedBy] = [primary.sent, signatory.sent];
          const domain = `${upper ? 'Round-Trip' : 'round-trip'}-${++domains}.Example`;
          const createdReply = await gql(CREATE_CUSTOMER, { input: { companyName, domain, primaryContact } });
          checkGraphQL(createdReply);
          expect(createdReply.json.errors).toBeUndefined();
          const id = createdReply.json.data.createCustomer.customer.id as string;
          created.customers.add(id);

          const expectedCustomer = { id, companyName: storedCompanyName, domain: domain.toLowerCase(), primaryContact: primary.stored };
          expect(createdReply.json.data.createCustomer.customer).toEqual(expectedCustomer);
          expect((await gql(CUSTOMER, { id })).json.data.customer).toEqual(expectedCustomer);
          const c = await row('SELECT company_name, domain, contact_first_name, contact_last_name, contact_email, contact_phone_number FROM customers WHERE id = ?', [id]);
          expect(c).toEqual({
            company_name: expectedCustomer.companyName,
            domain: expectedCustomer.domain,
            contact_first_name: expectedCustomer.primaryContact.firstName,
            contact_last_name: expectedCustomer.primaryContact.lastName,
            contact_email: expectedCustomer.primaryContact.email,
            contact_phone_number: expectedCustomer.primaryContact.phoneNumber,
          });

          const confirmed = await gql(CONFIRM, { input: { customerId: id, dateAgreed, acceptedBy } });
          checkGraphQL(confirmed);
          // The same person as the primary contact is a new record too: there is no current one yet.
          expect(confirmed.json.errors).toBeUndefined();
          const recorded = confirmed.json.data.confirmCustomerAcceptance.acceptance;
          expect(recorded.acceptedBy).toEqual(signatory.stored);
          expect(recorded.dateAgreed).toBe(dateAgreed);
          await checkRecorded(recorded, acceptedBy);
          const history = await gql(`query ($id: ID!) { customer(id: $id) { acceptances { nodes { id ${CONTACT_FIELDS} } } } }`, { id });
          expect(history.json.data.customer.acceptances.nodes).toEqual([{ id: recorded.id, acceptedBy: signatory.stored }]);

          // Searching for the company name, wildcards and all, finds the customer.
          const found = await gql(CUSTOMERS, { first: 500, filter: { search: companyName } });
          checkGraphQL(found);
          expect(found.json.data.customers.nodes.map((n: { id: string }) => n.id)).toContain(id);
        }),
        { numRuns: 60 },
      );
    });

    it('REST confirm: the primary contact sent is the one stored and answered, exactly, trimmed', async () => {
      await fc.assert(
        fc.asyncProperty(validContact, validDate, async ({ sent: primaryContact, stored: storedPrimary }, dateAgreed) => {
          const id = `RT-${++domains}`;
          await app.seed({ customers: [customer(id)] });
          created.customers.add(id);
          const reply = await rest('POST', `/v1/customers/${id}/agreements`, JSON.stringify({ primaryContact, dateAgreed: `${dateAgreed}T00:00:00Z`, type: 'MicrosoftCustomerAgreement' }));
          checkRest(reply);
          expect(reply.status).toBe(201);
          const { phoneNumber = null, ...named } = reply.json.primaryContact;
          expect({ ...named, phoneNumber }).toEqual(storedPrimary);
          const [{ id: acceptanceId }] = await app.db.query<{ id: string }>('SELECT id FROM acceptances WHERE customer_id = ?', [id]);
          created.acceptances.add(acceptanceId);
          expect(await storedAcceptance(acceptanceId)).toEqual({ customerId: id, ...storedPrimary });
          const listed = await rest('GET', `/v1/customers/${id}/agreements?agreementType=MicrosoftCustomerAgreement`);
          expect(listed.json.items.map((a: { primaryContact: object }) => a.primaryContact)).toEqual([reply.json.primaryContact]);
        }),
        { numRuns: 40 },
      );
    });
  });

  it('paging with any page size visits every customer, and every acceptance of one, once and in order', async () => {
    const all = async <T>(query: string, variables: Record<string, unknown>, pick: (data: any) => { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }) => {
      const seen: T[] = [];
      let after: string | null = null;
      for (;;) {
        const reply = await gql(query, { ...variables, after });
        checkGraphQL(reply);
        expect(reply.json.errors).toBeUndefined();
        const page = pick(reply.json.data);
        seen.push(...page.nodes);
        if (!page.pageInfo.hasNextPage) return seen;
        after = page.pageInfo.endCursor;
      }
    };
    const customers = (data: any) => data.customers;
    const history = (data: any) => data.customer.acceptances;
    const HISTORY_PAGE = `query ($id: ID!, $first: Int, $after: String) {
      customer(id: $id) { acceptances(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }
    }`;
    const everyCustomer = await all(CUSTOMERS, { first: 500 }, customers);
    expect(everyCustomer.length).toBeGreaterThan(4);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.constantFrom('H-1', 'H-2', 'H-3'), async (first, id) => {
        expect(await all(CUSTOMERS, { first }, customers)).toEqual(everyCustomer);
        expect(await all(HISTORY_PAGE, { id, first }, history)).toEqual(await all(HISTORY_PAGE, { id, first: 500 }, history));
      }),
      { numRuns: 15 },
    );
  });

  it('the CSV report shows every stored company name and domain exactly, a formula start behind a quote', async () => {
    const reply = await call(`${app.url}/v1/reports/acceptance-status.csv`, { headers: auth() });
    expect(reply.status).toBe(200);
    const [header, ...records] = parseCsv(reply.text);
    const column = (name: string) => header.indexOf(name);
    const stored = await app.db.query<{ id: string; company_name: string; domain: string }>(
      'SELECT c.id, c.company_name, c.domain FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id WHERE pc.partner_id = ?',
      [P.direct],
    );
    const guarded = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
    expect(new Map(records.map((r) => [r[column('customerId')], [r[column('companyName')], r[column('domain')]]]))).toEqual(
      new Map(stored.map((c) => [c.id, [guarded(c.company_name), c.domain]])),
    );
  });

  it('the database is unharmed: every table is there and holds exactly the rows the accepted requests created', async () => {
    const count = async (table: string) => Number((await app.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    expect(await count('partners')).toBe(partners().length);
    expect(await count('offers')).toBe(offers().length);
    expect(await count('agreement_templates')).toBe(2);
    expect(await count('customers')).toBe(4 + created.customers.size);
    expect(await count('partner_customers')).toBe(5 + created.customers.size);
    expect(await count('acceptances')).toBe(1 + created.acceptances.size);
    expect(await count('orders')).toBe(created.orders.size);
    expect(await count('subscriptions')).toBe(3 + created.subscriptions.size);
    expect(await count('order_line_items')).toBe(created.subscriptions.size);
    // Every customer's current acceptance is its latest record.
    const dangling = await app.db.query(
      'SELECT ca.acceptance_id FROM current_acceptances ca LEFT JOIN acceptances a ON a.id = ca.acceptance_id WHERE a.id IS NULL',
    );
    expect(dangling).toEqual([]);
    await count('idempotency_keys');
  });
});
