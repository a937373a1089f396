import { randomUUID } from 'node:crypto';
import { ChainedAuditEvent } from '../../src/audit/audit.entities';
import { GENESIS_HASH, hashOf } from '../../src/audit/chain';
import { Operation } from '../../src/auth/roles';
import { CloudInstance, PartnerType } from '../../src/partners/partner.entity';
import type { Clock } from '../../src/shared/clock';
import { DomainError, ErrorCode } from '../../src/shared/errors';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, OFFER, offers, P, partners, subscription } from '../helpers/fixtures';

const NOW = '2026-11-21T04:00:00.000Z';

const CONFIRM = 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }';
const ATTEST = 'mutation ($input: AttestAcceptanceInput!) { attestCustomerAcceptance(input: $input) { acceptance { id } } }';
const CREATE_CUSTOMER = 'mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } acceptance { id } } }';
const ORDER = 'mutation ($input: CreateOrderInput!) { createOrder(input: $input) { order { id } acceptance { id } } }';
const SEATS = 'mutation ($input: UpdateSubscriptionQuantityInput!) { updateSubscriptionQuantity(input: $input) { subscription { id } } }';

const AUDIT = `query ($customerId: ID, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
  auditEvents(customerId: $customerId, from: $from, to: $to, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
    nodes { id sequence at partnerId userId rolesHeld roleUsed operation customerId outcome code acceptanceId requestId correlationId hash }
  }
}`;

/** The contact details every customer of these tests carries; none may reach the trail. */
const CONTACT = contact();

describe.each(testDatabases())('the audit trail (%s)', (kind) => {
  let app: TestApp;
  let admin: string;
  let n = 0;
  let instant = new Date(NOW);
  const clock: Clock = { now: () => new Date(instant) };

  const codeOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions?.code;

  /** A customer of `partner` with a licence subscription `S-<id>`, optionally ACCEPTED already. */
  const freshCustomer = async (options: { partner?: string; accepted?: boolean } = {}) => {
    const partner = options.partner ?? P.direct;
    const id = `AC-${++n}`;
    await app.seed({
      customers: [customer(id, { partnerIds: [partner], primaryContact: contact({ email: `owner@${id.toLowerCase()}.example` }) })],
      subscriptions: [subscription(`S-${id}`, id, partner)],
      acceptances: options.accepted ? [acceptance(`A-${id}`, id, partner)] : [],
    });
    return id;
  };

  /** Sends a mutation with its own request and correlation ids. */
  const send = async (token: string, query: string, variables: Record<string, unknown>) => {
    const requestId = `req-${randomUUID()}`;
    const correlationId = `corr-${randomUUID()}`;
    const { body, status } = await app.gql(token, query, variables, { 'x-request-id': requestId, 'MS-CorrelationId': correlationId });
    return { body, status, requestId, correlationId };
  };

  const eventsOfRequest = async (requestId: string): Promise<ChainedAuditEvent[]> => {
    await app.chainAudit();
    return app.server.services.db.read((em) => em.find(ChainedAuditEvent, { where: { requestId }, order: { sequence: 'ASC' } }));
  };

  /** The one event a request wrote. */
  const onlyEvent = async (requestId: string): Promise<ChainedAuditEvent> => {
    const events = await eventsOfRequest(requestId);
    expect(events).toHaveLength(1);
    return events[0];
  };

  const chainOf = async (partnerId: string): Promise<ChainedAuditEvent[]> => {
    await app.chainAudit();
    return app.server.services.db.read((em) => em.find(ChainedAuditEvent, { where: { partnerId }, order: { sequence: 'ASC' } }));
  };

  /** Numbered 1..N without gaps, each linked by hash to the one before, each hash matching its content. */
  const expectChained = (events: ChainedAuditEvent[]) => {
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    events.forEach((event, i) => {
      expect(event.previousHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1].hash);
      expect(hashOf(event)).toBe(event.hash);
    });
  };

  const count = async (table: string) => {
    await app.chainAudit();
    return Number((await app.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  };

  beforeAll(async () => {
    app = await startApp(kind, { clock });
    await app.seed({
      partners: [...partners(), { id: 'p-audit', name: 'Audit Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' }],
      offers: offers(),
    });
    admin = await app.token(P.direct, ['ADMIN_AGENT'], 'agent-7');
  });
  afterAll(() => app.close());

  describe('every mutation writes exactly one event', () => {
    it('a confirmation: who, under which role, about which customer and acceptance, from which request', async () => {
      const id = await freshCustomer();
      const token = await app.token(P.direct, ['SALES_AGENT', 'ADMIN_AGENT', 'HELPDESK_AGENT'], 'agent-9');
      const sent = await send(token, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-20' } });
      expect(sent.body.errors).toBeUndefined();
      const event = await onlyEvent(sent.requestId);
      expect(event).toEqual({
        id: expect.any(String),
        partnerId: P.direct,
        sequence: expect.any(Number),
        at: new Date(NOW),
        userId: 'agent-9',
        rolesHeld: 'SALES_AGENT,ADMIN_AGENT,HELPDESK_AGENT',
        roleUsed: 'ADMIN_AGENT',
        operation: 'CONFIRM_ACCEPTANCE',
        customerId: id,
        outcome: 'SUCCEEDED',
        code: null,
        acceptanceId: sent.body.data!.confirmCustomerAcceptance.acceptance.id,
        requestId: sent.requestId,
        correlationId: sent.correlationId,
        evidence: null, // only a signatory's answer on the signing page carries evidence
        previousHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });

    it('an attestation, under the role that attests', async () => {
      const id = await freshCustomer();
      const helpdesk = await app.token(P.direct, ['HELPDESK_AGENT']);
      const sent = await send(helpdesk, ATTEST, { input: { customerId: id, dateAgreed: '2026-11-20' } });
      expect(sent.body.errors).toBeUndefined();
      expect(await onlyEvent(sent.requestId)).toMatchObject({
        operation: 'ATTEST_ACCEPTANCE',
        outcome: 'SUCCEEDED',
        roleUsed: 'HELPDESK_AGENT',
        customerId: id,
        acceptanceId: sent.body.data!.attestCustomerAcceptance.acceptance.id,
      });
    });

    it('a role refusal, before any rule runs: REFUSED, FORBIDDEN, no role used', async () => {
      const id = await freshCustomer();
      const helpdesk = await app.token(P.direct, ['HELPDESK_AGENT'], 'helper');
      const sent = await send(helpdesk, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-20' } });
      expect(codeOf(sent.body)).toBe('FORBIDDEN');
      expect(await onlyEvent(sent.requestId)).toMatchObject({
        operation: 'CONFIRM_ACCEPTANCE',
        outcome: 'REFUSED',
        code: 'FORBIDDEN',
        roleUsed: null,
        rolesHeld: 'HELPDESK_AGENT',
        userId: 'helper',
        customerId: id,
        acceptanceId: null,
        correlationId: sent.correlationId,
      });
    });

    it('a caller with no role at all, refused for each mutation', async () => {
      const nobody = await app.token(P.direct, []);
      const sent = await send(nobody, SEATS, { input: { subscriptionId: 'S-ANY', quantity: 2 } });
      expect(codeOf(sent.body)).toBe('FORBIDDEN');
      expect(await onlyEvent(sent.requestId)).toMatchObject({ operation: 'CHANGE_SEAT_COUNT', outcome: 'REFUSED', rolesHeld: '', customerId: null });
    });

    it('a rule refusal: REFUSED with the rule code, under the role used, without an acceptance', async () => {
      const id = await freshCustomer();
      const before = await count('acceptances');
      const sent = await send(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-22' } });
      expect(codeOf(sent.body)).toBe('DATE_IN_FUTURE');
      expect(await onlyEvent(sent.requestId)).toMatchObject({
        operation: 'CONFIRM_ACCEPTANCE',
        outcome: 'REFUSED',
        code: 'DATE_IN_FUTURE',
        roleUsed: 'ADMIN_AGENT',
        customerId: id,
        acceptanceId: null,
      });
      expect(await count('acceptances')).toBe(before);
    });

    it('a partner type refusal, a refusal in another cloud, an unknown customer', async () => {
      const reseller = await app.token(P.reseller, ['ADMIN_AGENT']);
      const gov = await app.token(P.gov, ['ADMIN_AGENT']);
      const cases = [
        { token: reseller, partner: P.reseller, query: CONFIRM, code: 'FORBIDDEN' },
        { token: gov, partner: P.gov, query: ATTEST, code: 'AGREEMENT_NOT_SUPPORTED_IN_CLOUD' },
        { token: admin, partner: P.direct, query: CONFIRM, code: 'NOT_FOUND' },
      ];
      for (const c of cases) {
        const sent = await send(c.token, c.query, { input: { customerId: 'C-UNKNOWN', dateAgreed: '2026-11-20' } });
        expect(codeOf(sent.body)).toBe(c.code);
        expect(await onlyEvent(sent.requestId)).toMatchObject({ partnerId: c.partner, outcome: 'REFUSED', code: c.code, customerId: 'C-UNKNOWN' });
      }
    });

    it('records no customer id that is not a well-formed id', async () => {
      const sent = await send(admin, CONFIRM, { input: { customerId: "x' OR 1=1 --", dateAgreed: '2026-11-20' } });
      expect(codeOf(sent.body)).toBe('BAD_USER_INPUT');
      expect(await onlyEvent(sent.requestId)).toMatchObject({ outcome: 'REFUSED', code: 'BAD_USER_INPUT', customerId: null });
    });

    it('createCustomer: the new customer on success, none on refusal', async () => {
      const input = (domain: string, extra: Record<string, unknown> = {}) => ({
        input: { companyName: 'Trail Co', domain, primaryContact: contact({ email: `it@${domain}` }), ...extra },
      });
      const created = await send(admin, CREATE_CUSTOMER, input('trail.onmicrosoft.com'));
      expect(await onlyEvent(created.requestId)).toMatchObject({
        operation: 'CREATE_CUSTOMER',
        outcome: 'SUCCEEDED',
        customerId: created.body.data!.createCustomer.customer.id,
        acceptanceId: null,
      });
      const taken = await send(admin, CREATE_CUSTOMER, input('trail.onmicrosoft.com'));
      expect(codeOf(taken.body)).toBe('BAD_USER_INPUT');
      expect(await onlyEvent(taken.requestId)).toMatchObject({ operation: 'CREATE_CUSTOMER', outcome: 'REFUSED', customerId: null });
    });

    it('createCustomer with an acceptance: one event, naming the acceptance; refused, one event naming no customer', async () => {
      const input = (domain: string, dateAgreed: string) => ({
        input: { companyName: 'Trail Co', domain, primaryContact: contact({ email: `it@${domain}` }), agreementAcceptance: { dateAgreed } },
      });
      const created = await send(admin, CREATE_CUSTOMER, input('trail-accepted.onmicrosoft.com', '2026-11-20'));
      const { customer: made, acceptance: recorded } = created.body.data!.createCustomer;
      expect(await onlyEvent(created.requestId)).toMatchObject({
        operation: 'CREATE_CUSTOMER',
        outcome: 'SUCCEEDED',
        customerId: made.id,
        acceptanceId: recorded.id,
      });
      const refused = await send(admin, CREATE_CUSTOMER, input('trail-refused.onmicrosoft.com', '2026-11-22'));
      expect(codeOf(refused.body)).toBe('DATE_IN_FUTURE');
      expect(await onlyEvent(refused.requestId)).toMatchObject({
        operation: 'CREATE_CUSTOMER',
        outcome: 'REFUSED',
        code: 'DATE_IN_FUTURE',
        customerId: null,
        acceptanceId: null,
      });
    });

    it('createOrder: one event; with an acceptance it names it, and no confirmation event of its own', async () => {
      const accepted = await freshCustomer({ accepted: true });
      const plain = await send(admin, ORDER, { input: { customerId: accepted, lineItems: [{ offerId: OFFER.licence, quantity: 2 }] } });
      expect(plain.body.errors).toBeUndefined();
      expect(await onlyEvent(plain.requestId)).toMatchObject({ operation: 'CREATE_ORDER', outcome: 'SUCCEEDED', customerId: accepted, acceptanceId: null });

      const id = await freshCustomer();
      const both = await send(admin, ORDER, {
        input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 2 }], agreementAcceptance: { dateAgreed: '2026-11-20' } },
      });
      expect(both.body.errors).toBeUndefined();
      expect(await onlyEvent(both.requestId)).toMatchObject({
        operation: 'CREATE_ORDER',
        outcome: 'SUCCEEDED',
        roleUsed: 'ADMIN_AGENT',
        customerId: id,
        acceptanceId: both.body.data!.createOrder.acceptance.id,
      });
    });

    it('createOrder refused at the gate or by its acceptance: one REFUSED event naming the customer', async () => {
      const id = await freshCustomer();
      const gated = await send(admin, ORDER, { input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 2 }] } });
      expect(codeOf(gated.body)).toBe('ACCEPTANCE_REQUIRED');
      expect(await onlyEvent(gated.requestId)).toMatchObject({ operation: 'CREATE_ORDER', outcome: 'REFUSED', code: 'ACCEPTANCE_REQUIRED', customerId: id });
      const dated = await send(admin, ORDER, {
        input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 2 }], agreementAcceptance: { dateAgreed: '2026-11-22' } },
      });
      expect(codeOf(dated.body)).toBe('DATE_IN_FUTURE');
      expect(await onlyEvent(dated.requestId)).toMatchObject({ operation: 'CREATE_ORDER', outcome: 'REFUSED', code: 'DATE_IN_FUTURE', customerId: id, acceptanceId: null });
    });

    it("a seat change names the subscription's customer once it is found", async () => {
      const accepted = await freshCustomer({ accepted: true });
      const changed = await send(admin, SEATS, { input: { subscriptionId: `S-${accepted}`, quantity: 12 } });
      expect(changed.body.errors).toBeUndefined();
      expect(await onlyEvent(changed.requestId)).toMatchObject({ operation: 'CHANGE_SEAT_COUNT', outcome: 'SUCCEEDED', customerId: accepted });

      const unaccepted = await freshCustomer();
      const gated = await send(admin, SEATS, { input: { subscriptionId: `S-${unaccepted}`, quantity: 12 } });
      expect(codeOf(gated.body)).toBe('ACCEPTANCE_REQUIRED');
      expect(await onlyEvent(gated.requestId)).toMatchObject({ outcome: 'REFUSED', code: 'ACCEPTANCE_REQUIRED', customerId: unaccepted });

      const unknown = await send(admin, SEATS, { input: { subscriptionId: 'S-NOPE', quantity: 12 } });
      expect(codeOf(unknown.body)).toBe('NOT_FOUND');
      expect(await onlyEvent(unknown.requestId)).toMatchObject({ outcome: 'REFUSED', code: 'NOT_FOUND', customerId: null });
    });

    it('a request refused before it runs writes none: a malformed variable, or two mutations in one operation', async () => {
      const [a, b] = [await freshCustomer(), await freshCustomer()];
      const malformed = await send(admin, CONFIRM, { input: { customerId: a, dateAgreed: '2026-11-32' } });
      expect(malformed.status).toBe(400);
      const two = await send(
        admin,
        'mutation ($a: ConfirmAcceptanceInput!, $b: ConfirmAcceptanceInput!) { a: confirmCustomerAcceptance(input: $a) { acceptance { id } } b: confirmCustomerAcceptance(input: $b) { acceptance { id } } }',
        { a: { customerId: a, dateAgreed: '2026-11-20' }, b: { customerId: b, dateAgreed: '2026-11-20' } },
      );
      expect(two.status).toBe(400);
      expect(await eventsOfRequest(malformed.requestId)).toEqual([]);
      expect(await eventsOfRequest(two.requestId)).toEqual([]);
    });

    it('reads are not recorded', async () => {
      const before = await count('audit_events');
      const { body } = await app.gql(admin, '{ customers(first: 5) { nodes { id } } auditEvents(first: 1) { totalCount } }');
      expect(body.errors).toBeUndefined();
      expect(await count('audit_events')).toBe(before);
    });
  });

  describe('the hash chain', () => {
    it('numbers each partner events 1..N without gaps and links every hash to the one before', async () => {
      await app.chainAudit();
      const partnerIds = (await app.db.query<{ partner_id: string }>('SELECT DISTINCT partner_id FROM audit_events')).map((r) => r.partner_id);
      expect(partnerIds).toEqual(expect.arrayContaining([P.direct, P.reseller, P.gov]));
      for (const partnerId of partnerIds) {
        const events = await chainOf(partnerId);
        expectChained(events);
        const [head] = await app.db.query<{ last_sequence: number; last_hash: string }>(
          'SELECT last_sequence, last_hash FROM audit_chains WHERE partner_id = ?',
          [partnerId],
        );
        expect({ sequence: Number(head.last_sequence), hash: head.last_hash }).toEqual({ sequence: events.length, hash: events.at(-1)!.hash });
      }
    });

    it('holds no contact details: no e-mail address, name or phone number of a contact', async () => {
      await app.chainAudit();
      const rows = await app.db.query('SELECT * FROM audit_events');
      expect(rows.length).toBeGreaterThan(15);
      const text = JSON.stringify(rows);
      for (const detail of ['@', CONTACT.firstName, CONTACT.lastName, CONTACT.phoneNumber, '555-0100', 'Trail Co']) {
        expect(text).not.toContain(detail);
      }
    });

    it('keeps sequences 1..20 exact under 20 confirmations at once for one partner', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => `BUSY-${i}`);
      await app.seed({
        partners: [{ id: 'p-busy', name: 'Busy Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' }],
        customers: ids.map((id) => customer(id, { partnerIds: ['p-busy'] })),
      });
      const token = await app.token('p-busy', ['SALES_AGENT']);
      const results = await Promise.all(ids.map((customerId) => app.gql(token, CONFIRM, { input: { customerId, dateAgreed: '2026-11-20' } })));
      expect(results.map((r) => codeOf(r.body) ?? 'OK')).toEqual(ids.map(() => 'OK'));
      const events = await chainOf('p-busy');
      expect(events).toHaveLength(20);
      expectChained(events);
      expect(new Set(events.map((e) => e.customerId))).toEqual(new Set(ids));
    });
  });

  it('starts a new partner\'s chain once under 20 first attempts at once', async () => {
    await app.seed({ partners: [{ id: 'p-new', name: 'New Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' }] });
    const helpdesk = await app.token('p-new', ['HELPDESK_AGENT']);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.gql(helpdesk, CONFIRM, { input: { customerId: `NEW-${i}`, dateAgreed: '2026-11-20' } })),
    );
    expect(results.map((r) => codeOf(r.body))).toEqual(results.map(() => 'FORBIDDEN'));
    const events = await chainOf('p-new');
    expect(events).toHaveLength(20);
    expectChained(events);
    expect(app.logs.filter((line) => line.includes('could not be written'))).toEqual([]);
  });

  it('starts a chain once when 20 first events of a partner are appended at the same instant', async () => {
    // Straight to the service: over HTTP the requests arrive too staggered to race reliably.
    const partner = { id: 'p-race', name: 'Race Partner', type: PartnerType.DIRECT_BILL, cloud: CloudInstance.PUBLIC };
    await app.seed({ partners: [partner] });
    const caller = { userId: 'racer', roles: [], partner };
    const refusal = new DomainError(ErrorCode.FORBIDDEN, 'refused');
    await Promise.all(
      Array.from({ length: 20 }, () => app.server.services.db.write((em) => app.server.services.audit.refused(em, caller, Operation.CONFIRM_ACCEPTANCE, {}, refusal))),
    );
    const events = await chainOf(partner.id);
    expect(events).toHaveLength(20);
    expectChained(events);
    expect(app.logs.filter((line) => line.includes('could not be written'))).toEqual([]);
  });

  describe('auditEvents', () => {
    const PARTNER = 'p-audit';
    let reader: string;
    let customers: string[];
    const times = ['2026-11-21T05:00:00.000Z', '2026-11-21T06:00:00.000Z', '2026-11-21T07:00:00.000Z', '2026-11-21T08:00:00.000Z', '2026-11-21T09:00:00.000Z'];

    const read = (token: string, variables: Record<string, unknown> = {}) => app.gql(token, AUDIT, variables);

    beforeAll(async () => {
      reader = await app.token(PARTNER, ['GLOBAL_ADMIN'], 'auditor');
      customers = [await freshCustomer({ partner: PARTNER }), await freshCustomer({ partner: PARTNER })];
      const seller = await app.token(PARTNER, ['SALES_AGENT'], 'seller');
      // Five events an hour apart: customer 0, 1, 0 (refused), 1 (refused), 0 (refused).
      for (const [i, at] of times.entries()) {
        instant = new Date(at);
        const { body } = await app.gql(seller, CONFIRM, { input: { customerId: customers[i % 2], dateAgreed: i < 2 ? '2026-11-20' : '2026-11-30' } });
        expect(codeOf(body) ?? 'OK').toBe(i < 2 ? 'OK' : 'DATE_IN_FUTURE');
      }
      instant = new Date(NOW);
    });

    it("lists the caller's partner's events oldest first, as they are stored", async () => {
      const { body } = await read(reader);
      expect(body.errors).toBeUndefined();
      const page = body.data!.auditEvents;
      expect(page.totalCount).toBe(5);
      expect(page.nodes.map((e: { sequence: number }) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
      const stored = await chainOf(PARTNER);
      expect(page.nodes[0]).toEqual({
        id: stored[0].id,
        sequence: 1,
        at: times[0],
        partnerId: PARTNER,
        userId: 'seller',
        rolesHeld: ['SALES_AGENT'],
        roleUsed: 'SALES_AGENT',
        operation: 'CONFIRM_ACCEPTANCE',
        customerId: customers[0],
        outcome: 'SUCCEEDED',
        code: null,
        acceptanceId: stored[0].acceptanceId,
        requestId: stored[0].requestId,
        correlationId: null,
        hash: stored[0].hash,
      });
      expect(page.nodes[2]).toMatchObject({ outcome: 'REFUSED', code: 'DATE_IN_FUTURE', acceptanceId: null });
    });

    it('pages with first and after', async () => {
      const first = (await read(reader, { first: 2 })).body.data!.auditEvents;
      expect(first.nodes.map((e: { sequence: number }) => e.sequence)).toEqual([1, 2]);
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const second = (await read(reader, { first: 2, after: first.pageInfo.endCursor })).body.data!.auditEvents;
      expect(second.nodes.map((e: { sequence: number }) => e.sequence)).toEqual([3, 4]);
      expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
      expect(second.edges[0].cursor).toBe(second.pageInfo.startCursor);
      const last = (await read(reader, { first: 2, after: second.pageInfo.endCursor })).body.data!.auditEvents;
      expect(last.nodes.map((e: { sequence: number }) => e.sequence)).toEqual([5]);
      expect(last.pageInfo.hasNextPage).toBe(false);
      expect(last.totalCount).toBe(5);
    });

    it('filters by customer and by time: from inclusive, to exclusive', async () => {
      const sequences = async (variables: Record<string, unknown>) => {
        const { body } = await read(reader, variables);
        expect(body.errors).toBeUndefined();
        return { sequences: body.data!.auditEvents.nodes.map((e: { sequence: number }) => e.sequence), total: body.data!.auditEvents.totalCount };
      };
      expect(await sequences({ customerId: customers[0] })).toEqual({ sequences: [1, 3, 5], total: 3 });
      expect(await sequences({ customerId: customers[1] })).toEqual({ sequences: [2, 4], total: 2 });
      expect(await sequences({ from: times[1] })).toEqual({ sequences: [2, 3, 4, 5], total: 4 });
      expect(await sequences({ to: times[3] })).toEqual({ sequences: [1, 2, 3], total: 3 });
      expect(await sequences({ from: times[1], to: times[4], customerId: customers[0] })).toEqual({ sequences: [3], total: 1 });
      expect(await sequences({ customerId: 'C-NOT-THERE' })).toEqual({ sequences: [], total: 0 });
      expect(await sequences({ customerId: customers[0], first: 1, after: (await read(reader, { customerId: customers[0], first: 1 })).body.data!.auditEvents.pageInfo.endCursor })).toEqual({ sequences: [3], total: 3 });
    });

    it('is open to GLOBAL_ADMIN and ADMIN_AGENT, and FORBIDDEN to SALES_AGENT and HELPDESK_AGENT', async () => {
      for (const roles of [['GLOBAL_ADMIN'], ['ADMIN_AGENT']]) {
        const { body } = await read(await app.token(PARTNER, roles), { first: 1 });
        expect(body.data!.auditEvents.totalCount).toBe(5);
      }
      for (const roles of [['SALES_AGENT'], ['HELPDESK_AGENT'], ['SALES_AGENT', 'HELPDESK_AGENT'], []]) {
        const { body } = await read(await app.token(PARTNER, roles));
        expect(codeOf(body)).toBe('FORBIDDEN');
        expect(body.data).toEqual({ auditEvents: null });
      }
    });

    it("shows a partner only its own events, even when asked for another partner's customer", async () => {
      const other = await app.token(P.other, ['ADMIN_AGENT']);
      const sent = await send(other, CONFIRM, { input: { customerId: customers[0], dateAgreed: '2026-11-20' } });
      expect(codeOf(sent.body)).toBe('NOT_FOUND');
      const { body } = await read(other);
      expect(body.data!.auditEvents.nodes.map((e: { partnerId: string }) => e.partnerId)).toEqual([P.other]);
      const asked = await read(other, { customerId: customers[0] });
      expect(asked.body.data!.auditEvents.nodes).toEqual([
        expect.objectContaining({ partnerId: P.other, customerId: customers[0], outcome: 'REFUSED', code: 'NOT_FOUND' }),
      ]);
      const mine = await read(reader, { customerId: customers[0] });
      expect(mine.body.data!.auditEvents.nodes.every((e: { partnerId: string }) => e.partnerId === PARTNER)).toBe(true);
    });

    it.each([
      [{ first: 0 }, 'first'],
      [{ first: 501 }, 'first'],
      [{ customerId: 'not an id!' }, 'customerId'],
      [{ after: 'not-a-cursor' }, 'after'],
    ])('refuses %p with BAD_USER_INPUT naming the argument', async (variables, field) => {
      const { body } = await read(reader, variables);
      expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    });

    it('accepts pages of up to 500', async () => {
      const { body } = await read(reader, { first: 500 });
      expect(body.data!.auditEvents.nodes).toHaveLength(5);
    });
  });
});

describe.each(testDatabases())('the audit trail when the database fails (%s)', (kind) => {
  let app: TestApp;
  let admin: string;

  beforeAll(async () => {
    app = await startApp(kind);
    await app.seed({ partners: partners(), customers: [customer('C-1'), customer('C-2')] });
    admin = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());

  const count = async (table: string) => Number((await app.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

  it('records an unexpected error as FAILED with INTERNAL_SERVER_ERROR', async () => {
    await app.db.query('DROP TABLE current_acceptances');
    const { status, body } = await app.gql(admin, CONFIRM, { input: { customerId: 'C-1', dateAgreed: '2026-11-20' } }, { 'x-request-id': 'req-failed' });
    expect(status).toBe(500);
    expect(body.errors![0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-failed' });
    await app.chainAudit();
    const events = await app.server.services.db.read((em) => em.find(ChainedAuditEvent));
    expect(events).toEqual([
      expect.objectContaining({ sequence: 1, outcome: 'FAILED', code: 'INTERNAL_SERVER_ERROR', customerId: 'C-1', requestId: 'req-failed', acceptanceId: null }),
    ]);
    expect(await count('acceptances')).toBe(0);
  });

  it('commits no change without its event, and a trail it cannot write is logged without hiding the error', async () => {
    await app.db.query('DROP TABLE audit_pending');
    const before = await count('customers');
    const { status, body } = await app.gql(
      admin,
      CREATE_CUSTOMER,
      { input: { companyName: 'Unrecorded', domain: 'unrecorded.onmicrosoft.com', primaryContact: contact() } },
      { 'x-request-id': 'req-untracked' },
    );
    expect(status).toBe(500);
    expect(body.errors![0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-untracked' });
    expect(await count('customers')).toBe(before);
    const logged = app.logs.map((line) => JSON.parse(line)).filter((line) => line.requestId === 'req-untracked');
    expect(logged.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['the audit event of a refused or failed attempt could not be written', 'unexpected error']),
    );
  });
});
