import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, MCA_V1, MCLOUD, offers, P, partners, subscription, template } from '../helpers/fixtures';

const NOW = '2026-11-21T04:00:00.000Z';

const CONFIRM = `mutation ($input: ConfirmAcceptanceInput!) {
  confirmCustomerAcceptance(input: $input) {
    acceptance { id customerId partnerId method channel scenario dateAgreed recordedAt
      recordedBy { userId role } acceptedBy { firstName lastName email phoneNumber } agreement { templateId } }
    customer { id agreementStatus { status canTransact } }
  }
}`;

const ATTEST = `mutation ($input: AttestAcceptanceInput!) {
  attestCustomerAcceptance(input: $input) {
    acceptance { id method channel scenario recordedBy { role } }
    customer { agreementStatus { status } }
  }
}`;

const STATUS = `query ($id: ID!) { customer(id: $id) { agreementStatus { status canTransact acceptance { id } } acceptances { totalCount nodes { id } } } }`;

describe.each(testDatabases())('confirming and attesting (%s)', (kind) => {
  let app: TestApp;
  let admin: string;
  let n = 0;

  /** A fresh customer of the direct partner, with optional extra import rows. */
  const freshCustomer = async (extra: { partnerIds?: string[]; subscriptions?: (id: string) => unknown[] } = {}) => {
    const id = `C-${++n}`;
    await app.seed({
      customers: [customer(id, { partnerIds: extra.partnerIds ?? [P.direct], primaryContact: contact({ email: `owner@${id.toLowerCase()}.example` }) })],
      subscriptions: extra.subscriptions?.(id) ?? [],
    });
    return id;
  };

  const count = async (table: string) => Number((await app.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

  const codeOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock(NOW) });
    await app.seed({ partners: partners(), offers: offers() });
    admin = await app.token(P.direct, ['ADMIN_AGENT'], 'agent-7');
  });
  afterAll(() => app.close());

  it('confirms with the latest MCA and the primary contact by default, and the customer becomes ACCEPTED', async () => {
    const id = await freshCustomer();
    const token = await app.token(P.direct, ['SALES_AGENT', 'ADMIN_AGENT'], 'agent-9');
    const { body } = await app.gql(token, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-20' } });
    expect(body.errors).toBeUndefined();
    expect(body.data!.confirmCustomerAcceptance).toEqual({
      acceptance: {
        id: expect.any(String),
        customerId: id,
        partnerId: P.direct,
        method: 'CONFIRMATION',
        channel: 'EXISTING_CUSTOMER',
        scenario: null,
        dateAgreed: '2026-11-20',
        recordedAt: NOW,
        recordedBy: { userId: 'agent-9', role: 'ADMIN_AGENT' },
        acceptedBy: { firstName: 'Tania', lastName: 'Carr', email: `owner@${id.toLowerCase()}.example`, phoneNumber: '+1 (425) 555-0100' },
        agreement: { templateId: MCA_V1 },
      },
      customer: { id, agreementStatus: { status: 'ACCEPTED', canTransact: true } },
    });
    const stored = await app.gql(admin, STATUS, { id });
    expect(stored.body.data!.customer.agreementStatus.acceptance.id).toBe(body.data!.confirmCustomerAcceptance.acceptance.id);
  });

  it('records SALES_AGENT when that is the only role of the list the caller holds', async () => {
    const id = await freshCustomer();
    const token = await app.token(P.direct, ['HELPDESK_AGENT', 'SALES_AGENT']);
    const { body } = await app.gql(token, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-20' } });
    expect(body.data!.confirmCustomerAcceptance.acceptance.recordedBy.role).toBe('SALES_AGENT');
  });

  describe('the duplicate rule', () => {
    it('refuses the same signatory of the same template, however the name is cased or spaced', async () => {
      const id = await freshCustomer();
      const first = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-01', acceptedBy: contact() } });
      expect(first.body.errors).toBeUndefined();
      const again = await app.gql(admin, CONFIRM, {
        input: {
          customerId: id,
          dateAgreed: '2026-11-02',
          acceptedBy: contact({ firstName: '  TANIA ', lastName: 'carr', email: 'Tania@WingtipToys.example ', phoneNumber: ' +1 (425) 555-0100' }),
        },
      });
      expect(codeOf(again.body)).toBe('ACCEPTANCE_ALREADY_EXISTS');
      expect((await app.gql(admin, STATUS, { id })).body.data!.customer.acceptances.totalCount).toBe(1);
    });

    it('ignores ZWJ and ZWNJ: Jo\u200dsé is José again', async () => {
      const id = await freshCustomer();
      const first = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-01', acceptedBy: contact({ firstName: 'José' }) } });
      expect(first.body.errors).toBeUndefined();
      for (const firstName of ['Jo\u200dsé', 'Jos\u200cé']) {
        const again = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-02', acceptedBy: contact({ firstName }) } });
        expect(codeOf(again.body)).toBe('ACCEPTANCE_ALREADY_EXISTS');
      }
      expect((await app.gql(admin, STATUS, { id })).body.data!.customer.acceptances.totalCount).toBe(1);
    });

    it('allows a different signatory, and the first one again once someone else is current', async () => {
      const id = await freshCustomer();
      for (const person of [contact(), contact({ email: 'ravi@wingtiptoys.example', firstName: 'Ravi' }), contact()]) {
        const { body } = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-01', acceptedBy: person } });
        expect(body.errors).toBeUndefined();
      }
      const history = (await app.gql(admin, STATUS, { id })).body.data!.customer.acceptances;
      expect(history.totalCount).toBe(3);
    });

    it('allows the same signatory to accept a newer template, which makes the customer ACCEPTED again', async () => {
      const id = await freshCustomer();
      await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-01' } });
      await app.seed({ agreements: [template('MCA-DUP-V2', 20, { effectiveDate: '2026-06-01' })] });
      try {
        expect((await app.gql(admin, STATUS, { id })).body.data!.customer.agreementStatus.status).toBe('OUTDATED');
        const newer = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-01' } });
        expect(newer.body.errors).toBeUndefined();
        expect(newer.body.data!.confirmCustomerAcceptance.acceptance.agreement.templateId).toBe('MCA-DUP-V2');
        expect(newer.body.data!.confirmCustomerAcceptance.customer.agreementStatus.status).toBe('ACCEPTED');
      } finally {
        await app.seed({ agreements: [template('MCA-DUP-V2', 20, { effectiveDate: '2026-06-01', retired: true })] });
      }
    });
  });

  it('keeps every record: the history grows, newest first, and nothing is changed', async () => {
    const id = await freshCustomer();
    const ids: string[] = [];
    for (const name of ['Ana', 'Bo', 'Cy']) {
      const { body } = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-01', acceptedBy: contact({ firstName: name }) } });
      ids.push(body.data!.confirmCustomerAcceptance.acceptance.id);
    }
    const { body } = await app.gql(admin, STATUS, { id });
    expect(body.data!.customer.acceptances.nodes.map((a: { id: string }) => a.id)).toEqual([...ids].reverse());
    expect(body.data!.customer.agreementStatus.acceptance.id).toBe(ids[2]);
  });

  describe('attestation', () => {
    it('is scenario 1 when the customer holds a subscription through this partner', async () => {
      const id = await freshCustomer({ subscriptions: (c) => [subscription(`S-${c}`, c, P.direct)] });
      const { body } = await app.gql(admin, ATTEST, { input: { customerId: id, dateAgreed: '2026-11-20' } });
      expect(body.data!.attestCustomerAcceptance).toEqual({
        acceptance: { id: expect.any(String), method: 'ATTESTATION', channel: 'EXISTING_CUSTOMER', scenario: 'EXISTING_PARTNER_NEW_PURCHASE', recordedBy: { role: 'ADMIN_AGENT' } },
        customer: { agreementStatus: { status: 'ACCEPTED' } },
      });
    });

    it('is scenario 2 when it holds subscriptions only through another partner', async () => {
      const id = await freshCustomer({ partnerIds: [P.direct, P.other], subscriptions: (c) => [subscription(`S-${c}`, c, P.other)] });
      const { body } = await app.gql(admin, ATTEST, { input: { customerId: id, dateAgreed: '2026-11-20' } });
      expect(body.data!.attestCustomerAcceptance.acceptance.scenario).toBe('NEW_PARTNER_NEW_PURCHASE');
    });

    it('does not apply to a customer with no subscription at all', async () => {
      const id = await freshCustomer();
      const { body } = await app.gql(admin, ATTEST, { input: { customerId: id, dateAgreed: '2026-11-20' } });
      expect(codeOf(body)).toBe('ATTESTATION_NOT_APPLICABLE');
      expect((await app.gql(admin, STATUS, { id })).body.data!.customer.acceptances.totalCount).toBe(0);
    });

    it.each([
      ['GLOBAL_ADMIN', 'GLOBAL_ADMIN'],
      ['HELPDESK_AGENT', 'HELPDESK_AGENT'],
      ['HELPDESK_AGENT+GLOBAL_ADMIN', 'GLOBAL_ADMIN'],
    ])('is open to %s, recorded under %s', async (roles, recorded) => {
      const id = await freshCustomer({ subscriptions: (c) => [subscription(`S-${c}`, c, P.direct)] });
      const token = await app.token(P.direct, roles.split('+'));
      const { body } = await app.gql(token, ATTEST, { input: { customerId: id, dateAgreed: '2026-11-20' } });
      expect(body.data!.attestCustomerAcceptance.acceptance.recordedBy.role).toBe(recorded);
    });
  });

  describe('templates', () => {
    it('refuses a retired template with TEMPLATE_RETIRED', async () => {
      const id = await freshCustomer();
      const { body } = await app.gql(admin, CONFIRM, { input: { customerId: id, templateId: MCLOUD, dateAgreed: '2026-11-20' } });
      expect(body.errors![0].extensions).toMatchObject({ code: 'TEMPLATE_RETIRED', field: 'input.templateId' });
    });

    it('refuses an unknown template with NOT_FOUND', async () => {
      const id = await freshCustomer();
      const { body } = await app.gql(admin, CONFIRM, { input: { customerId: id, templateId: 'no-such-template', dateAgreed: '2026-11-20' } });
      expect(body.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.templateId' });
    });
  });

  describe('date rules, with the clock at 2026-11-21T04:00Z (18:00 in UTC+14)', () => {
    const confirmOn = async (dateAgreed: string, extra: Record<string, unknown> = {}) => {
      const id = await freshCustomer();
      return (await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed, ...extra } })).body;
    };

    it("accepts today's date in UTC+14 and refuses the next day with DATE_IN_FUTURE", async () => {
      expect((await confirmOn('2026-11-21')).errors).toBeUndefined();
      expect((await confirmOn('2026-11-22')).errors![0].extensions).toMatchObject({ code: 'DATE_IN_FUTURE', field: 'input.dateAgreed' });
    });

    it('refuses a date before the template took effect with DATE_BEFORE_EFFECTIVE, and accepts the effective date', async () => {
      expect((await confirmOn('2019-09-30')).errors![0].extensions!.code).toBe('DATE_BEFORE_EFFECTIVE');
      expect((await confirmOn('2019-10-01')).errors).toBeUndefined();
    });

    it('refuses an impossible calendar date with BAD_USER_INPUT from the Date scalar, as a variable or a literal', async () => {
      const id = await freshCustomer();
      const variable = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-02-30' } });
      expect(variable.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.dateAgreed' });
      const literal = await app.gql(admin, `mutation { confirmCustomerAcceptance(input: { customerId: "${id}", dateAgreed: "2025-02-29" }) { acceptance { id } } }`);
      expect(literal.body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    });
  });

  it('lets a partner in Seoul enter its date at 08:00 local time, while it is still the day before in UTC', async () => {
    const seoul = await startApp(kind, { clock: fixedClock('2026-11-20T23:00:00.000Z') });
    try {
      await seoul.seed({ partners: partners(), customers: [customer('C-SEOUL')] });
      const token = await seoul.token(P.direct, ['ADMIN_AGENT']);
      const { body } = await seoul.gql(token, CONFIRM, { input: { customerId: 'C-SEOUL', dateAgreed: '2026-11-21' } });
      expect(body.errors).toBeUndefined();
      const tooEarly = await seoul.gql(token, CONFIRM, {
        input: { customerId: 'C-SEOUL', dateAgreed: '2026-11-22', acceptedBy: contact({ firstName: 'Other' }) },
      });
      expect(tooEarly.body.errors![0].extensions!.code).toBe('DATE_IN_FUTURE');
    } finally {
      await seoul.close();
    }
  });

  describe('partners', () => {
    it('refuses an indirect reseller with FORBIDDEN', async () => {
      const id = await freshCustomer({ partnerIds: [P.reseller] });
      const token = await app.token(P.reseller, ['ADMIN_AGENT', 'GLOBAL_ADMIN']);
      const confirmed = (await app.gql(token, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-20' } })).body;
      expect(codeOf(confirmed)).toBe('FORBIDDEN');
      expect(confirmed.errors![0].message).toBe('An INDIRECT_RESELLER partner may not confirm acceptance.');
      const attested = (await app.gql(token, ATTEST, { input: { customerId: id, dateAgreed: '2026-11-20' } })).body;
      expect(codeOf(attested)).toBe('FORBIDDEN');
      expect(attested.errors![0].message).toMatch(/^An INDIRECT_RESELLER partner may not /);
    });

    it('refuses partners outside the public cloud with AGREEMENT_NOT_SUPPORTED_IN_CLOUD', async () => {
      const id = await freshCustomer({ partnerIds: [P.gov], subscriptions: (c) => [subscription(`S-${c}`, c, P.gov)] });
      const token = await app.token(P.gov, ['ADMIN_AGENT']);
      expect(codeOf((await app.gql(token, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-20' } })).body)).toBe('AGREEMENT_NOT_SUPPORTED_IN_CLOUD');
      expect(codeOf((await app.gql(token, ATTEST, { input: { customerId: id, dateAgreed: '2026-11-20' } })).body)).toBe('AGREEMENT_NOT_SUPPORTED_IN_CLOUD');
    });

    it("answers a customer of another partner with NOT_FOUND, like an unknown one, and writes nothing", async () => {
      const foreign = await freshCustomer({ partnerIds: [P.other] });
      const before = await count('acceptances');
      const a = await app.gql(admin, CONFIRM, { input: { customerId: foreign, dateAgreed: '2026-11-20' } });
      const b = await app.gql(admin, CONFIRM, { input: { customerId: 'C-NOPE', dateAgreed: '2026-11-20' } });
      expect(a.body.errors![0].extensions).toEqual({ code: 'NOT_FOUND', field: 'input.customerId' });
      expect(b.body.errors![0].extensions).toEqual(a.body.errors![0].extensions);
      expect(await count('acceptances')).toBe(before);
    });
  });

  describe('input validation', () => {
    it.each([
      ['firstName', { firstName: '   ' }],
      ['firstName', { firstName: 'x'.repeat(101) }],
      ['lastName', { lastName: 'Carr\u0000' }],
      ['email', { email: 'not-an-email' }],
      ['email', { email: `${'a'.repeat(250)}@b.example` }],
      ['phoneNumber', { phoneNumber: '555-CALL-NOW' }],
      ['phoneNumber', { phoneNumber: '1'.repeat(33) }],
    ])('refuses a bad acceptedBy.%s with BAD_USER_INPUT naming the field, writing nothing', async (field, override) => {
      const id = await freshCustomer();
      const before = await count('acceptances');
      const { body } = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-20', acceptedBy: contact(override) } });
      expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: `input.acceptedBy.${field}` });
      expect(await count('acceptances')).toBe(before);
    });

    it.each([
      ['firstName', 'José\u200b', 'a zero-width space'],
      ['firstName', '\u202eevil', 'a right-to-left override'],
      ['lastName', 'Ca\u2060rr', 'a word joiner'],
      ['lastName', 'Ca\u00adrr', 'a soft hyphen'],
      ['email', 'tania@wingtiptoys.example\u200b', 'a zero-width space'],
      ['phoneNumber', '+1 425\u200e555 0100', 'a left-to-right mark'],
    ])('refuses acceptedBy.%s %j (%s) with BAD_USER_INPUT naming the field, writing nothing', async (field, value) => {
      const id = await freshCustomer();
      const before = await count('acceptances');
      for (const mutation of [CONFIRM, ATTEST]) {
        const { body } = await app.gql(admin, mutation, { input: { customerId: id, dateAgreed: '2026-11-20', acceptedBy: contact({ [field]: value }) } });
        expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: `input.acceptedBy.${field}` });
      }
      expect(await count('acceptances')).toBe(before);
    });

    it('accepts ZWJ and ZWNJ in names, as scripts and emoji sequences need them, and stores them as sent', async () => {
      const id = await freshCustomer();
      const acceptedBy = contact({ firstName: 'می\u200cخواهم', lastName: 'Carr \u{1F469}\u200d\u{1F4BB}' });
      const { body } = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-20', acceptedBy } });
      expect(body.errors).toBeUndefined();
      expect(body.data!.confirmCustomerAcceptance.acceptance.acceptedBy).toMatchObject({ firstName: acceptedBy.firstName, lastName: acceptedBy.lastName });
    });

    it('accepts names of up to 100 characters, counted as characters, and stores them trimmed', async () => {
      const id = await freshCustomer();
      const name = '\u{1F600}'.repeat(100);
      const { body } = await app.gql(admin, CONFIRM, {
        input: { customerId: id, dateAgreed: '2026-11-20', acceptedBy: contact({ firstName: ` ${name} `, lastName: 'Ødegård-Łukasz', phoneNumber: '' }) },
      });
      expect(body.errors).toBeUndefined();
      expect(body.data!.confirmCustomerAcceptance.acceptance.acceptedBy).toMatchObject({ firstName: name, lastName: 'Ødegård-Łukasz', phoneNumber: null });
    });

    it('refuses a malformed customer id with BAD_USER_INPUT', async () => {
      const { body } = await app.gql(admin, CONFIRM, { input: { customerId: "x' OR 1=1 --", dateAgreed: '2026-11-20' } });
      expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.customerId' });
    });
  });

  it('publishing a newer template turns earlier acceptances OUTDATED at once, and the status filter agrees', async () => {
    const accepted = await freshCustomer();
    await app.gql(admin, CONFIRM, { input: { customerId: accepted, dateAgreed: '2026-11-20' } });
    const filter = async (status: string) =>
      (
        await app.gql(admin, 'query ($s: AgreementStatusCode) { customers(first: 500, filter: { agreementStatus: $s }) { nodes { id agreementStatus { status } } } }', { s: status })
      ).body.data!.customers.nodes as { id: string; agreementStatus: { status: string } }[];
    expect((await filter('ACCEPTED')).map((c) => c.id)).toContain(accepted);

    await app.seed({ agreements: [template('MCA-PUBLISHED', 30, { effectiveDate: '2026-01-01' })] });
    try {
      for (const status of ['ACCEPTED', 'OUTDATED', 'NOT_ACCEPTED']) {
        for (const node of await filter(status)) expect(node.agreementStatus.status).toBe(status);
      }
      expect((await filter('OUTDATED')).map((c) => c.id)).toContain(accepted);
      expect(await filter('ACCEPTED')).toEqual([]);
      const { body } = await app.gql(admin, STATUS, { id: accepted });
      expect(body.data!.customer.agreementStatus).toMatchObject({ status: 'OUTDATED', canTransact: false });
    } finally {
      await app.seed({ agreements: [template('MCA-PUBLISHED', 30, { effectiveDate: '2026-01-01', retired: true })] });
    }
  });

  it('lets exactly one of two identical confirmations racing for one customer through', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await freshCustomer();
      const input = { input: { customerId: id, dateAgreed: '2026-11-20' } };
      const results = await Promise.all([app.gql(admin, CONFIRM, input), app.gql(admin, CONFIRM, input)]);
      const codes = results.map((r) => codeOf(r.body) ?? 'OK').sort();
      expect(codes).toEqual(['ACCEPTANCE_ALREADY_EXISTS', 'OK']);
      const [row] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', [id]);
      expect(Number(row.n)).toBe(1);
    }
  });

  it('keeps imported history: an acceptance recorded earlier than the current one does not replace it', async () => {
    const id = await freshCustomer();
    const { body } = await app.gql(admin, CONFIRM, { input: { customerId: id, dateAgreed: '2026-11-20' } });
    await app.seed({ acceptances: [acceptance(`A-OLD-${id}`, id, P.direct, { acceptedBy: contact({ firstName: 'Older' }) })] });
    const after = await app.gql(admin, STATUS, { id });
    expect(after.body.data!.customer.agreementStatus.acceptance.id).toBe(body.data!.confirmCustomerAcceptance.acceptance.id);
    expect(after.body.data!.customer.acceptances.totalCount).toBe(2);
  });
});
