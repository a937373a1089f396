import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, OFFER, offers, P, partners, subscription, template } from '../helpers/fixtures';

const ORDER = `mutation ($input: CreateOrderInput!) {
  createOrder(input: $input) {
    order { id customerId partnerId createdAt lineItems { quantity offer { id billingType } subscription { id customerId partnerId quantity autoRenew offer { id } } } }
    acceptance { id channel method customerId }
  }
}`;

const SEATS = `mutation ($input: UpdateSubscriptionQuantityInput!) {
  updateSubscriptionQuantity(input: $input) { subscription { id quantity } }
}`;

const CREATE_CUSTOMER = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id companyName domain primaryContact { email } agreementStatus { status } }
    acceptance { id channel method dateAgreed }
  }
}`;

describe.each(testDatabases())('orders, seat counts and new customers (%s)', (kind) => {
  let app: TestApp;
  let admin: string;
  let n = 0;

  const codeOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions?.code;
  const count = async (table: string) => Number((await app.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  const counts = async () => ({
    orders: await count('orders'),
    subscriptions: await count('subscriptions'),
    lines: await count('order_line_items'),
    acceptances: await count('acceptances'),
    customers: await count('customers'),
  });

  /** A customer of `partner` in the given status, with one licence subscription `S-<id>` through it. */
  const customerIn = async (status: 'ACCEPTED' | 'OUTDATED' | 'NOT_ACCEPTED', partner: string = P.direct) => {
    const id = `C-${++n}`;
    await app.seed({
      customers: [customer(id, { partnerIds: [partner] })],
      subscriptions: [subscription(`S-${id}`, id, partner), subscription(`U-${id}`, id, partner, { offerId: OFFER.usage, quantity: null })],
      acceptances:
        status === 'NOT_ACCEPTED'
          ? []
          : [acceptance(`A-${id}`, id, partner, status === 'ACCEPTED' ? { templateId: 'MCA-V2', dateAgreed: '2026-01-02' } : {})],
    });
    return id;
  };

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock('2026-11-21T04:00:00.000Z') });
    await app.seed({ partners: partners(), offers: offers(), agreements: [template('MCA-V2', 2, { effectiveDate: '2026-01-01' })] });
    admin = await app.token(P.direct, ['ADMIN_AGENT'], 'buyer');
  });
  afterAll(() => app.close());

  describe('createOrder', () => {
    it('creates one subscription per line item for an ACCEPTED customer', async () => {
      const id = await customerIn('ACCEPTED');
      const { body } = await app.gql(admin, ORDER, {
        input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 25 }, { offerId: OFFER.usage }] },
      });
      expect(body.errors).toBeUndefined();
      const { order, acceptance: recorded } = body.data!.createOrder;
      expect(recorded).toBeNull();
      expect(order).toMatchObject({ customerId: id, partnerId: P.direct, createdAt: '2026-11-21T04:00:00.000Z' });
      expect(order.lineItems).toEqual([
        { quantity: 25, offer: { id: OFFER.licence, billingType: 'LICENSE' }, subscription: { id: expect.any(String), customerId: id, partnerId: P.direct, quantity: 25, autoRenew: true, offer: { id: OFFER.licence } } },
        { quantity: null, offer: { id: OFFER.usage, billingType: 'USAGE' }, subscription: { id: expect.any(String), customerId: id, partnerId: P.direct, quantity: null, autoRenew: true, offer: { id: OFFER.usage } } },
      ]);
      const listed = await app.gql(admin, 'query ($id: ID!) { customer(id: $id) { subscriptions { id } } }', { id });
      expect(listed.body.data!.customer.subscriptions.map((s: { id: string }) => s.id)).toEqual(
        expect.arrayContaining(order.lineItems.map((l: { subscription: { id: string } }) => l.subscription.id)),
      );
    });

    it.each(['NOT_ACCEPTED', 'OUTDATED'] as const)('refuses a %s customer with ACCEPTANCE_REQUIRED and writes nothing', async (status) => {
      const id = await customerIn(status);
      const before = await counts();
      const { body } = await app.gql(admin, ORDER, { input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 1 }] } });
      expect(codeOf(body)).toBe('ACCEPTANCE_REQUIRED');
      expect(await counts()).toEqual(before);
    });

    it('lets a partner outside the public cloud order: the agreement does not apply', async () => {
      const id = await customerIn('NOT_ACCEPTED', P.gov);
      const gov = await app.token(P.gov, ['SALES_AGENT']);
      const { body } = await app.gql(gov, ORDER, { input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 3 }] } });
      expect(body.errors).toBeUndefined();
    });

    it('confirms on channel NEW_ORDER and orders in one go', async () => {
      const id = await customerIn('NOT_ACCEPTED');
      const { body } = await app.gql(admin, ORDER, {
        input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 2 }], agreementAcceptance: { dateAgreed: '2026-11-20' } },
      });
      expect(body.errors).toBeUndefined();
      expect(body.data!.createOrder.acceptance).toEqual({ id: expect.any(String), channel: 'NEW_ORDER', method: 'CONFIRMATION', customerId: id });
    });

    it.each([
      ['an order line fails', [{ offerId: 'NO-SUCH-OFFER', quantity: 2 }], { dateAgreed: '2026-11-20' }, 'NOT_FOUND'],
      ['the acceptance fails', [{ offerId: OFFER.licence, quantity: 2 }], { dateAgreed: '2026-12-01' }, 'DATE_IN_FUTURE'],
      ['the acceptance is a duplicate', [{ offerId: OFFER.licence, quantity: 2 }], { dateAgreed: '2026-11-20', templateId: 'MCA-V2', acceptedBy: contact() }, 'ACCEPTANCE_ALREADY_EXISTS'],
    ])('leaves neither acceptance nor subscription behind when %s', async (_, lineItems, agreementAcceptance, code) => {
      const id = await customerIn(code === 'ACCEPTANCE_ALREADY_EXISTS' ? 'ACCEPTED' : 'NOT_ACCEPTED');
      const before = await counts();
      const { body } = await app.gql(admin, ORDER, { input: { customerId: id, lineItems, agreementAcceptance } });
      expect(codeOf(body)).toBe(code);
      expect(await counts()).toEqual(before);
    });

    it.each([
      [OFFER.licence, null],
      [OFFER.licence, 0],
      [OFFER.licence, 100001],
      [OFFER.usage, 5],
    ])('refuses offer %s with quantity %p as BAD_USER_INPUT naming the line', async (offerId, quantity) => {
      const id = await customerIn('ACCEPTED');
      const { body } = await app.gql(admin, ORDER, {
        input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 1 }, { offerId, quantity }] },
      });
      expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.lineItems[1].quantity' });
    });

    it('accepts the largest seat count, 100000', async () => {
      const id = await customerIn('ACCEPTED');
      const { body } = await app.gql(admin, ORDER, { input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 100000 }] } });
      expect(body.errors).toBeUndefined();
    });

    it('refuses an empty order and a customer of another partner', async () => {
      const id = await customerIn('ACCEPTED');
      expect((await app.gql(admin, ORDER, { input: { customerId: id, lineItems: [] } })).body.errors![0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.lineItems',
      });
      const foreign = await customerIn('ACCEPTED', P.other);
      const { body } = await app.gql(admin, ORDER, { input: { customerId: foreign, lineItems: [{ offerId: OFFER.licence, quantity: 1 }] } });
      expect(body.errors![0].extensions).toEqual({ code: 'NOT_FOUND', field: 'input.customerId' });
    });
  });

  describe('updateSubscriptionQuantity', () => {
    it('changes the seat count of an ACCEPTED customer', async () => {
      const id = await customerIn('ACCEPTED');
      const { body } = await app.gql(admin, SEATS, { input: { subscriptionId: `S-${id}`, quantity: 42 } });
      expect(body.data!.updateSubscriptionQuantity.subscription).toEqual({ id: `S-${id}`, quantity: 42 });
      const [row] = await app.db.query<{ quantity: number }>('SELECT quantity FROM subscriptions WHERE id = ?', [`S-${id}`]);
      expect(Number(row.quantity)).toBe(42);
    });

    it.each(['NOT_ACCEPTED', 'OUTDATED'] as const)('refuses any change for a %s customer with ACCEPTANCE_REQUIRED', async (status) => {
      const id = await customerIn(status);
      for (const quantity of [9, 11]) {
        const { body } = await app.gql(admin, SEATS, { input: { subscriptionId: `S-${id}`, quantity } });
        expect(codeOf(body)).toBe('ACCEPTANCE_REQUIRED');
      }
      const [row] = await app.db.query<{ quantity: number }>('SELECT quantity FROM subscriptions WHERE id = ?', [`S-${id}`]);
      expect(Number(row.quantity)).toBe(10);
    });

    it('refuses a usage-based subscription, a bad count and a subscription of another partner', async () => {
      const id = await customerIn('ACCEPTED');
      expect((await app.gql(admin, SEATS, { input: { subscriptionId: `U-${id}`, quantity: 3 } })).body.errors![0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.quantity',
      });
      for (const quantity of [0, 100001]) {
        expect((await app.gql(admin, SEATS, { input: { subscriptionId: `S-${id}`, quantity } })).body.errors![0].extensions).toEqual({
          code: 'BAD_USER_INPUT',
          field: 'input.quantity',
        });
      }
      const foreign = await customerIn('ACCEPTED', P.other);
      expect((await app.gql(admin, SEATS, { input: { subscriptionId: `S-${foreign}`, quantity: 3 } })).body.errors![0].extensions).toEqual({
        code: 'NOT_FOUND',
        field: 'input.subscriptionId',
      });
    });
  });

  describe('createCustomer', () => {
    const newCustomer = (domain: string, extra: Record<string, unknown> = {}) => ({
      input: { companyName: '  Lamna Healthcare ', domain, primaryContact: contact({ email: `it@${domain}` }), ...extra },
    });

    it('creates a customer related to the caller partner only', async () => {
      const { body } = await app.gql(admin, CREATE_CUSTOMER, newCustomer('lamna.onmicrosoft.com'));
      expect(body.errors).toBeUndefined();
      const created = body.data!.createCustomer.customer;
      expect(created).toEqual({
        id: expect.any(String),
        companyName: 'Lamna Healthcare',
        domain: 'lamna.onmicrosoft.com',
        primaryContact: { email: 'it@lamna.onmicrosoft.com' },
        agreementStatus: { status: 'NOT_ACCEPTED' },
      });
      expect(body.data!.createCustomer.acceptance).toBeNull();
      const other = await app.token(P.other, ['ADMIN_AGENT']);
      const seen = await app.gql(other, 'query ($id: ID!) { customer(id: $id) { id } }', { id: created.id });
      expect(seen.body.data!.customer).toBeNull();
      const relations = await app.db.query<{ partner_id: string }>('SELECT partner_id FROM partner_customers WHERE customer_id = ?', [created.id]);
      expect(relations.map((r) => r.partner_id)).toEqual([P.direct]);
    });

    it('confirms acceptance at once on channel NEW_CUSTOMER', async () => {
      const { body } = await app.gql(admin, CREATE_CUSTOMER, newCustomer('new-accepted.onmicrosoft.com', { agreementAcceptance: { dateAgreed: '2026-11-21' } }));
      expect(body.errors).toBeUndefined();
      expect(body.data!.createCustomer.acceptance).toEqual({ id: expect.any(String), channel: 'NEW_CUSTOMER', method: 'CONFIRMATION', dateAgreed: '2026-11-21' });
      expect(body.data!.createCustomer.customer.agreementStatus.status).toBe('ACCEPTED');
    });

    it('writes nothing when the acceptance is refused', async () => {
      const before = await counts();
      const { body } = await app.gql(admin, CREATE_CUSTOMER, newCustomer('refused.onmicrosoft.com', { agreementAcceptance: { dateAgreed: '2019-01-01' } }));
      expect(body.errors![0].extensions).toEqual({ code: 'DATE_BEFORE_EFFECTIVE', field: 'input.agreementAcceptance.dateAgreed' });
      expect(await counts()).toEqual(before);
    });

    it('refuses a domain already registered, and a malformed one', async () => {
      await app.gql(admin, CREATE_CUSTOMER, newCustomer('taken.onmicrosoft.com'));
      const taken = await app.gql(admin, CREATE_CUSTOMER, newCustomer('TAKEN.onmicrosoft.com'));
      expect(taken.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.domain' });
      const malformed = await app.gql(admin, CREATE_CUSTOMER, newCustomer('not a domain'));
      expect(malformed.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.domain' });
    });

    // Found by the hostile-input properties: the Kelvin sign lower-cases to an ASCII k, and was stored as one.
    it('refuses a domain with a character that is not ASCII, even one that lower-cases to ASCII', async () => {
      for (const domain of ['\u212aontoso.onmicrosoft.com', 'contoso.onmicro\u017fft.com', 'contoso\u00a0ltd.onmicrosoft.com']) {
        const { body } = await app.gql(admin, CREATE_CUSTOMER, newCustomer(domain));
        expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.domain' });
      }
    });

    it('gives one of two creations of the same domain at once BAD_USER_INPUT, never a 500', async () => {
      const results = await Promise.all([1, 2].map(() => app.gql(admin, CREATE_CUSTOMER, newCustomer('race.onmicrosoft.com'))));
      expect(results.map((r) => codeOf(r.body) ?? 'OK').sort()).toEqual(['BAD_USER_INPUT', 'OK']);
    });

    it.each([
      ['companyName', { companyName: 'Lamna\u200b Healthcare' }],
      ['companyName', { companyName: '\u202eerachtlaeH anmaL' }],
      ['primaryContact.firstName', { primaryContact: contact({ firstName: 'José\u200b' }) }],
      ['primaryContact.lastName', { primaryContact: contact({ lastName: '\u202eevil' }) }],
      ['agreementAcceptance.acceptedBy.firstName', { agreementAcceptance: { dateAgreed: '2026-11-21', acceptedBy: contact({ firstName: 'Ta\ufeffnia' }) } }],
    ])('refuses an invisible or direction-changing character in input.%s, writing nothing', async (field, change) => {
      const before = await counts();
      const { body } = await app.gql(admin, CREATE_CUSTOMER, { input: { ...newCustomer(`invisible-${++n}.onmicrosoft.com`).input, ...change } });
      expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: `input.${field}` });
      expect(await counts()).toEqual(before);
    });

    it('refuses a bad primary contact naming the field', async () => {
      const { body } = await app.gql(admin, CREATE_CUSTOMER, {
        input: { companyName: 'X', domain: 'bad-contact.onmicrosoft.com', primaryContact: contact({ email: 'nope' }) },
      });
      expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.primaryContact.email' });
    });
  });
});
