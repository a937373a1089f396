import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, MCA_V1, MCLOUD, offers, P, partners, template } from '../helpers/fixtures';

const NOW = '2026-11-21T04:00:00.000Z';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// The ids of Partner Center's own examples.
const MS_REQUEST_ID = '94e4e214-6b06-4fb7-96d1-94d559f9b47f';
const MS_CORRELATION_ID = 'ab993325-1605-4cf4-bac4-fb584142a31b';
const EXAMPLE_CUSTOMER = '14876998-c0dc-46e6-9d0c-65a57a6c32ec';
const MS_HEADERS = { 'MS-RequestId': MS_REQUEST_ID, 'MS-CorrelationId': MS_CORRELATION_ID };

/** The request body of "Confirm customer acceptance of the Microsoft Customer Agreement", its date moved past the template's effective date. */
const documentedAgreement = (overrides: Record<string, unknown> = {}) => ({
  primaryContact: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com', phoneNumber: '1234567890' },
  templateId: MCA_V1,
  dateAgreed: '2026-11-20T00:00:00.000Z',
  type: 'MicrosoftCustomerAgreement',
  ...overrides,
});

const SOURCE = 'mca-acceptance-api';

/** A Partner Center error body with this API's code (and the field to blame) in `data`. */
const refusal = (code: number, ours: string, description: unknown, field?: string) => ({
  code,
  description,
  data: [{ code: ours, ...(field === undefined ? {} : { field }) }],
  source: SOURCE,
});

describe.each(testDatabases())('Partner Center-compatible REST (%s)', (kind) => {
  let app: TestApp;
  let admin: string;
  let n = 0;

  const freshCustomer = async (partnerIds: string[] = [P.direct], id = `PC-${++n}`) => {
    await app.seed({ customers: [customer(id, { partnerIds, primaryContact: contact({ email: `owner@${id.toLowerCase()}.example`, phoneNumber: null }) })] });
    return id;
  };
  const agreementsOf = (id: string) => `/v1/customers/${encodeURIComponent(id)}/agreements`;
  const count = async (sql: string, params: unknown[] = []) => Number((await app.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${sql}`, params))[0].n);

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock(NOW) });
    await app.seed({ partners: partners(), offers: offers() });
    admin = await app.token(P.direct, ['ADMIN_AGENT'], 'agent-7');
  });
  afterAll(() => app.close());

  describe('GET /v1/agreements (agreement metadata)', () => {
    it('answers the documented request as documented', async () => {
      const answer = await app.rest('GET', '/v1/agreements?agreementType=MicrosoftCustomerAgreement', {
        token: admin,
        headers: { accept: 'application/json', ...MS_HEADERS },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(answer.headers.get('ms-requestid')).toBe(MS_REQUEST_ID);
      expect(answer.headers.get('ms-correlationid')).toBe(MS_CORRELATION_ID);
      expect(answer.json()).toEqual({
        totalCount: 1,
        items: [{ templateId: MCA_V1, agreementType: 'MicrosoftCustomerAgreement', agreementLink: 'https://aka.ms/customeragreement', versionRank: 1 }],
        attributes: { objectType: 'Collection' },
      });
    });

    it('defaults to the Microsoft Cloud Agreement, whose only template is retired, so it lists none', async () => {
      const answer = await app.rest('GET', '/v1/agreements', { token: admin });
      expect(answer.json()).toEqual({ totalCount: 0, items: [], attributes: { objectType: 'Collection' } });
    });

    it('lists every template of every type for *, retired ones too, newest version first within a type', async () => {
      const v2 = { templateId: 'MCA-META-V2', agreementType: 'MicrosoftCustomerAgreement', agreementLink: 'https://aka.ms/mca-v2', versionRank: 40 };
      const v1 = { templateId: MCA_V1, agreementType: 'MicrosoftCustomerAgreement', agreementLink: 'https://aka.ms/customeragreement', versionRank: 1 };
      const cloud = { templateId: MCLOUD, agreementType: 'MicrosoftCloudAgreement', agreementLink: 'https://docs.microsoft.com/partner-center/agreements', versionRank: 1 };
      await app.seed({ agreements: [template('MCA-META-V2', 40, { effectiveDate: '2026-01-01', agreementLink: 'https://aka.ms/mca-v2' })] });
      try {
        const answer = await app.rest('GET', '/v1/agreements?agreementType=*', { token: admin });
        expect(answer.json()).toEqual({ totalCount: 3, items: [v2, v1, cloud], attributes: { objectType: 'Collection' } });
        // One type: only what may be accepted.
        expect((await app.rest('GET', '/v1/agreements?agreementType=MicrosoftCustomerAgreement', { token: admin })).json().items).toEqual([v2, v1]);
        expect((await app.rest('GET', '/v1/agreements?agreementType=MicrosoftCloudAgreement', { token: admin })).json().items).toEqual([]);
      } finally {
        await app.seed({ agreements: [template('MCA-META-V2', 40, { effectiveDate: '2026-01-01', agreementLink: 'https://aka.ms/mca-v2', retired: true })] });
      }
      // Retired, MCA-META-V2 is still listed for *, and no longer for its type.
      expect((await app.rest('GET', '/v1/agreements?agreementType=*', { token: admin })).json().items).toEqual([{ ...v2 }, v1, cloud]);
      expect((await app.rest('GET', '/v1/agreements?agreementType=MicrosoftCustomerAgreement', { token: admin })).json().items).toEqual([v1]);
    });

    it('is open to any signed-in caller, and reads the type name in any case', async () => {
      const helpdesk = await app.token(P.reseller, ['HELPDESK_AGENT']);
      const answer = await app.rest('GET', '/v1/agreements?agreementType=microsoftcustomeragreement', { token: helpdesk });
      expect(answer.status).toBe(200);
      expect(answer.json().totalCount).toBe(1);
    });

    it('refuses an unknown agreement type with 400 naming the parameter and the values allowed, * among them', async () => {
      for (const path of ['/v1/agreements', agreementsOf('PC-ANY')]) {
        const answer = await app.rest('GET', `${path}?agreementType=MicrosoftPartnerAgreement`, { token: admin });
        expect(answer.status).toBe(400);
        expect(answer.json()).toEqual(
          refusal(3000, 'BAD_USER_INPUT', 'agreementType: must be one of MicrosoftCustomerAgreement, MicrosoftCloudAgreement, or * for every type.', 'agreementType'),
        );
      }
    });

    it('refuses agreementType given twice with 400 on every route, rather than reading the first', async () => {
      const id = await freshCustomer();
      for (const path of ['/v1/agreements', agreementsOf(id), '/v1/reports/acceptance-status.csv']) {
        for (const query of ['agreementType=MicrosoftCustomerAgreement&agreementType=MicrosoftCloudAgreement', 'agreementType=*&agreementType=*']) {
          const answer = await app.rest('GET', `${path}?${query}`, { token: admin });
          expect(answer.status).toBe(400);
          expect(answer.json()).toEqual(refusal(3000, 'BAD_USER_INPUT', 'agreementType: must be given at most once (got 2 values).', 'agreementType'));
        }
      }
    });
  });

  describe('POST /v1/customers/{id}/agreements (confirm acceptance)', () => {
    it('answers the documented request as documented: 201 with the Agreement, recorded as a confirmation', async () => {
      const id = await freshCustomer([P.direct], EXAMPLE_CUSTOMER);
      const sales = await app.token(P.direct, ['SALES_AGENT'], '3d6f2c09-eb40-48ca-a4b3-d24c9c007531');
      const answer = await app.rest('POST', agreementsOf(id), { token: sales, body: documentedAgreement(), headers: MS_HEADERS });
      expect(answer.status).toBe(201);
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(answer.headers.get('ms-requestid')).toBe(MS_REQUEST_ID);
      expect(answer.headers.get('ms-correlationid')).toBe(MS_CORRELATION_ID);
      expect(answer.json()).toEqual({
        userId: '3d6f2c09-eb40-48ca-a4b3-d24c9c007531',
        primaryContact: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com', phoneNumber: '1234567890' },
        templateId: MCA_V1,
        dateAgreed: '2026-11-20T00:00:00.000Z',
        type: 'MicrosoftCustomerAgreement',
        agreementLink: 'https://aka.ms/customeragreement',
      });
      const stored = await app.db.query(
        'SELECT method, channel, template_id, agreement_type, accepted_by_email, date_agreed, recorded_by_user_id, recorded_by_role FROM acceptances WHERE customer_id = ?',
        [id],
      );
      expect(stored).toHaveLength(1);
      expect({ ...stored[0], date_agreed: String(stored[0].date_agreed).slice(0, 10) }).toEqual({
        method: 'CONFIRMATION',
        channel: 'EXISTING_CUSTOMER',
        template_id: MCA_V1,
        agreement_type: 'MICROSOFT_CUSTOMER_AGREEMENT',
        accepted_by_email: 'someone@example.com',
        date_agreed: '2026-11-20',
        recorded_by_user_id: '3d6f2c09-eb40-48ca-a4b3-d24c9c007531',
        recorded_by_role: 'SALES_AGENT',
      });
    });

    it('shows the created agreement in GET, and GraphQL sees the customer ACCEPTED', async () => {
      const id = await freshCustomer();
      const created = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement() });
      expect(created.status).toBe(201);
      const listed = await app.rest('GET', `${agreementsOf(id)}?agreementType=MicrosoftCustomerAgreement`, { token: admin, headers: MS_HEADERS });
      expect(listed.status).toBe(200);
      expect(listed.headers.get('ms-requestid')).toBe(MS_REQUEST_ID);
      expect(listed.json()).toEqual({ totalCount: 1, items: [created.json()], attributes: { objectType: 'Collection' } });
      const { body } = await app.gql(admin, 'query ($id: ID!) { customer(id: $id) { agreementStatus { status canTransact } } }', { id });
      expect(body.data!.customer.agreementStatus).toEqual({ status: 'ACCEPTED', canTransact: true });
    });

    it('refuses the same signatory again with 409 and the documented 600061 error, writing nothing', async () => {
      const id = await freshCustomer();
      expect((await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement() })).status).toBe(201);
      const again = await app.rest('POST', agreementsOf(id), {
        token: admin,
        body: documentedAgreement({ primaryContact: { firstName: ' TANIA', lastName: 'carr', email: 'Someone@Example.com', phoneNumber: '1234567890' } }),
        headers: { ...MS_HEADERS, 'MS-RequestId': '0c2d9a8e-3f1b-4c55-9d0e-5a7b6c4d3e21' },
      });
      expect(again.status).toBe(409);
      expect(again.headers.get('ms-correlationid')).toBe(MS_CORRELATION_ID);
      expect(again.json()).toEqual({
        ...refusal(600061, 'ACCEPTANCE_ALREADY_EXISTS', expect.stringMatching(/already by the same person/)),
        message: 'A partner confirmed agreement already exists for the customer.',
        errorName: 'PartnerConfirmedAgreementAlreadyExists',
        isRetryable: false,
        parameters: {},
        errorMessageExtended: 'InternalErrorCode=600061',
      });
      expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(1);
    });

    it('replays a retry with the same MS-RequestId without recording again, and refuses the id with another body', async () => {
      const id = await freshCustomer();
      const headers = { 'MS-RequestId': `retry-${id}` };
      const first = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement(), headers });
      const retry = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement(), headers });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.json()).toEqual(first.json());
      expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(1);
      const reused = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement({ dateAgreed: '2026-11-19T00:00:00Z' }), headers });
      expect(reused.status).toBe(422);
      expect(reused.json()).toMatchObject({ code: 800002, data: [{ code: 'IDEMPOTENCY_KEY_REUSED' }] });
      expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(1);
    });

    it("uses the latest MCA and the customer's primary contact when the body leaves them out, and omits a phone number there is none of", async () => {
      const id = await freshCustomer();
      const answer = await app.rest('POST', agreementsOf(id), { token: admin, body: { dateAgreed: '2026-11-20T00:00:00Z' } });
      expect(answer.status).toBe(201);
      expect(answer.json()).toEqual({
        userId: 'agent-7',
        primaryContact: { firstName: 'Tania', lastName: 'Carr', email: `owner@${id.toLowerCase()}.example` },
        templateId: MCA_V1,
        dateAgreed: '2026-11-20T00:00:00.000Z',
        type: 'MicrosoftCustomerAgreement',
        agreementLink: 'https://aka.ms/customeragreement',
      });
    });

    describe('dateAgreed, with the clock at 2026-11-21T04:00Z (18:00 in UTC+14)', () => {
      it.each([
        ['2026-11-21T23:30:00-08:00', '2026-11-21'],
        ['2026-11-21T08:00:00+09:00', '2026-11-21'],
        ['2026-11-20T00:00:00', '2026-11-20'],
        ['2026-11-20T13:45Z', '2026-11-20'],
        ['2026-11-20T13:45:07.1234567Z', '2026-11-20'],
        ['2026-11-20', '2026-11-20'],
      ])('takes the date part of %s as written: %s', async (dateAgreed, stored) => {
        const id = await freshCustomer();
        const answer = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement({ dateAgreed }) });
        expect(answer.status).toBe(201);
        expect(answer.json().dateAgreed).toBe(`${stored}T00:00:00.000Z`);
        const [row] = await app.db.query<{ date_agreed: unknown }>('SELECT date_agreed FROM acceptances WHERE customer_id = ?', [id]);
        expect(String(row.date_agreed).slice(0, 10)).toBe(stored);
      });

      it.each([
        ['2026-11-22T00:00:00Z', 'DATE_IN_FUTURE', 600002],
        ['2019-09-30T00:00:00Z', 'DATE_BEFORE_EFFECTIVE', 3000],
        ['2026-02-30T00:00:00Z', 'BAD_USER_INPUT', 3000],
        ['2026-11-20T24:00:00Z', 'BAD_USER_INPUT', 3000],
        ['20 November 2026', 'BAD_USER_INPUT', 3000],
        ['', 'BAD_USER_INPUT', 3000],
        [20261120, 'BAD_USER_INPUT', 3000],
        [undefined, 'BAD_USER_INPUT', 3000],
      ])('refuses %s with 400 (%s, Partner Center code %d), writing nothing', async (dateAgreed, code, partnerCenterCode) => {
        const id = await freshCustomer();
        const answer = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement({ dateAgreed }) });
        expect(answer.status).toBe(400);
        expect(answer.json()).toMatchObject({ code: partnerCenterCode, data: [{ code, field: 'dateAgreed' }], source: SOURCE });
        expect(answer.json().description).toMatch(/^dateAgreed: /);
        expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(0);
      });
    });

    describe('the template the body describes', () => {
      it.each([
        ['a type that is not the template’s', { type: 'MicrosoftCloudAgreement' }, 'BAD_USER_INPUT', 'type'],
        ['an unknown type', { type: 'MicrosoftPartnerAgreement' }, 'BAD_USER_INPUT', 'type'],
        ['a type with the default template', { templateId: undefined, type: 'MicrosoftCloudAgreement' }, 'BAD_USER_INPUT', 'type'],
        ['a link that is not the template’s', { agreementLink: 'https://aka.ms/other' }, 'BAD_USER_INPUT', 'agreementLink'],
        ['a link that is not text', { agreementLink: 42 }, 'BAD_USER_INPUT', 'agreementLink'],
        ['the retired Cloud Agreement, however well described', { templateId: MCLOUD, type: 'MicrosoftCloudAgreement' }, 'TEMPLATE_RETIRED', 'templateId'],
        ['a template id that is not an id', { templateId: 17 }, 'BAD_USER_INPUT', 'templateId'],
      ])('refuses %s with 400, writing nothing', async (_case, overrides, code, field) => {
        const id = await freshCustomer();
        const answer = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement(overrides) });
        expect(answer.status).toBe(400);
        expect(answer.json()).toMatchObject({ code: 3000, data: [{ code, field }] });
        expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(0);
      });

      it('refuses an unknown template with 404', async () => {
        const id = await freshCustomer();
        const answer = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement({ templateId: 'no-such-template' }) });
        expect(answer.status).toBe(404);
        expect(answer.json()).toMatchObject({ code: 1000, data: [{ code: 'NOT_FOUND', field: 'templateId' }] });
      });

      it('accepts the link and type of the template, the link with spaces around it', async () => {
        const id = await freshCustomer();
        const answer = await app.rest('POST', agreementsOf(id), {
          token: admin,
          body: documentedAgreement({ agreementLink: ' https://aka.ms/customeragreement ' }),
        });
        expect(answer.status).toBe(201);
      });
    });

    it('names the field to blame in REST terms', async () => {
      const id = await freshCustomer();
      const answer = await app.rest('POST', agreementsOf(id), {
        token: admin,
        body: documentedAgreement({ primaryContact: { firstName: 'Tania', lastName: 'Carr', email: 'not-an-email' } }),
      });
      expect(answer.status).toBe(400);
      expect(answer.json()).toEqual(refusal(3000, 'BAD_USER_INPUT', 'primaryContact.email: is not a valid e-mail address.', 'primaryContact.email'));
    });

    it.each([
      ['firstName', 'Tania\u200b'],
      ['lastName', '\u202eevil'],
      ['email', 'some\u2060one@example.com'],
    ])('refuses an invisible or direction-changing character in primaryContact.%s with 400, writing nothing', async (field, value) => {
      const id = await freshCustomer();
      const primaryContact = { ...documentedAgreement().primaryContact, [field]: value };
      const answer = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement({ primaryContact }) });
      expect(answer.status).toBe(400);
      expect(answer.json()).toMatchObject({ code: 3000, data: [{ code: 'BAD_USER_INPUT', field: `primaryContact.${field}` }] });
      expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(0);
    });

    it.each([
      ['a JSON array', [documentedAgreement()], 'body'],
      ['a primaryContact that is not an object', documentedAgreement({ primaryContact: 'Tania Carr' }), 'primaryContact'],
    ])('refuses %s with 400', async (_case, body, field) => {
      const id = await freshCustomer();
      const answer = await app.rest('POST', agreementsOf(id), { token: admin, body });
      expect(answer.status).toBe(400);
      expect(answer.json().data).toEqual([{ code: 'BAD_USER_INPUT', field }]);
    });

    it.each([
      ['application/json', ''],
      ['application/json; charset=utf-8', ''],
      ['text/json', ''],
      ['text/json; charset=utf-8', ''],
      ['application/json', '\ufeff'],
      ['text/json', '\ufeff'],
    ])('reads a body sent as %s, %j before it: 201', async (contentType, start) => {
      const id = await freshCustomer();
      const answer = await app.rest('POST', agreementsOf(id), {
        token: admin,
        body: `${start}${JSON.stringify(documentedAgreement())}`,
        headers: { 'content-type': contentType },
      });
      expect(answer.status).toBe(201);
      expect(answer.json().primaryContact.firstName).toBe('Tania');
      expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(1);
    });

    it('refuses a body with a second byte order mark, or one inside, as not JSON', async () => {
      const id = await freshCustomer();
      for (const body of [`\ufeff\ufeff${JSON.stringify(documentedAgreement())}`, `{\ufeff"dateAgreed": "2026-11-20"}`]) {
        const answer = await app.rest('POST', agreementsOf(id), { token: admin, body });
        expect(answer.status).toBe(400);
        expect(answer.json()).toEqual(refusal(800002, 'BAD_REQUEST', 'The request body is not valid JSON.'));
      }
    });

    it('refuses a body that is not JSON with 400 and Partner Center code 800002', async () => {
      const id = await freshCustomer();
      const answer = await app.rest('POST', agreementsOf(id), { token: admin, body: '{"dateAgreed": ' });
      expect(answer.status).toBe(400);
      expect(answer.json()).toEqual(refusal(800002, 'BAD_REQUEST', 'The request body is not valid JSON.'));
    });

    // Found by the hostile-input cases: Latin-1 bytes were decoded as U+FFFD and the name recorded so ("Jos\ufffd").
    it('refuses a body that is not UTF-8 with 400 and Partner Center code 800002, recording nothing', async () => {
      const id = await freshCustomer();
      const agreement = documentedAgreement({ primaryContact: { firstName: 'José', lastName: 'Núñez', email: 'jose@example.com' } });
      const response = await fetch(`${app.url}${agreementsOf(id)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: Buffer.from(JSON.stringify(agreement), 'latin1'),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(refusal(800002, 'BAD_REQUEST', 'The request body is not UTF-8, the encoding of JSON.'));
      expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(0);
    });

    it('refuses a body over 1 MB with 413 and closes the connection', async () => {
      const id = await freshCustomer();
      const body = JSON.stringify(documentedAgreement({ padding: 'x'.repeat(1024 * 1024) }));
      const answer = await app.rest('POST', agreementsOf(id), { token: admin, body });
      expect(answer.status).toBe(413);
      expect(answer.headers.get('connection')).toBe('close');
      expect(answer.json()).toMatchObject({ code: 800002, data: [{ code: 'PAYLOAD_TOO_LARGE' }], source: SOURCE });
      expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(0);
    });

    describe('who may', () => {
      it.each([
        ['HELPDESK_AGENT', P.direct, ['HELPDESK_AGENT']],
        ['GLOBAL_ADMIN', P.direct, ['GLOBAL_ADMIN']],
        ['an indirect reseller', P.reseller, ['ADMIN_AGENT']],
      ])('refuses %s with 403, writing nothing', async (_case, partner, roles) => {
        const id = await freshCustomer([partner]);
        const token = await app.token(partner, roles);
        const answer = await app.rest('POST', agreementsOf(id), { token, body: documentedAgreement() });
        expect(answer.status).toBe(403);
        expect(answer.json()).toMatchObject({ code: 2032, data: [{ code: 'FORBIDDEN' }], source: SOURCE });
        expect(await count('acceptances WHERE customer_id = ?', [id])).toBe(0);
      });

      it('refuses a partner outside the public cloud with 400 and Partner Center code 900127', async () => {
        const id = await freshCustomer([P.gov]);
        const token = await app.token(P.gov, ['ADMIN_AGENT']);
        const answer = await app.rest('POST', agreementsOf(id), { token, body: documentedAgreement() });
        expect(answer.status).toBe(400);
        expect(answer.json()).toMatchObject({ code: 900127, data: [{ code: 'AGREEMENT_NOT_SUPPORTED_IN_CLOUD' }] });
      });

      it("answers another partner's customer with 404, exactly like an unknown one", async () => {
        const foreign = await freshCustomer([P.other], 'PC-FOREIGN');
        const a = await app.rest('POST', agreementsOf(foreign), { token: admin, body: documentedAgreement() });
        const b = await app.rest('POST', agreementsOf('PC-NOWHERE'), { token: admin, body: documentedAgreement() });
        expect(a.status).toBe(404);
        expect(b.status).toBe(404);
        expect(a.json()).toEqual(refusal(1000, 'NOT_FOUND', 'Customer "PC-FOREIGN" was not found.', 'customer-tenant-id'));
        expect({ ...b.json(), description: null }).toEqual({ ...a.json(), description: null });
        expect(await count('acceptances WHERE customer_id = ?', [foreign])).toBe(0);
      });

      it('refuses a malformed customer id with 400', async () => {
        const answer = await app.rest('POST', agreementsOf("x' OR 1=1 --"), { token: admin, body: documentedAgreement() });
        expect(answer.status).toBe(400);
        expect(answer.json().data).toEqual([{ code: 'BAD_USER_INPUT', field: 'customer-tenant-id' }]);
      });
    });
  });

  describe('GET /v1/customers/{id}/agreements (confirmations given)', () => {
    let id: string;

    beforeAll(async () => {
      id = await freshCustomer();
      await app.seed({
        acceptances: [
          acceptance(`CLOUD-${id}`, id, P.direct, { templateId: MCLOUD, dateAgreed: '2019-08-26', recordedAt: '2019-08-26T10:00:00.000Z', acceptedBy: contact({ phoneNumber: null }) }),
        ],
      });
      const created = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement({ dateAgreed: '2026-11-01T00:00:00Z' }) });
      expect(created.status).toBe(201);
    });

    const cloudAgreement = {
      userId: 'import',
      primaryContact: { firstName: 'Tania', lastName: 'Carr', email: 'tania@wingtiptoys.example' },
      templateId: MCLOUD,
      dateAgreed: '2019-08-26T00:00:00.000Z',
      type: 'MicrosoftCloudAgreement',
      agreementLink: 'https://docs.microsoft.com/partner-center/agreements',
    };
    const customerAgreement = {
      userId: 'agent-7',
      primaryContact: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com', phoneNumber: '1234567890' },
      templateId: MCA_V1,
      dateAgreed: '2026-11-01T00:00:00.000Z',
      type: 'MicrosoftCustomerAgreement',
      agreementLink: 'https://aka.ms/customeragreement',
    };

    it('defaults to the Microsoft Cloud Agreement, as Partner Center does', async () => {
      const answer = await app.rest('GET', agreementsOf(id), { token: admin });
      expect(answer.json()).toEqual({ totalCount: 1, items: [cloudAgreement], attributes: { objectType: 'Collection' } });
    });

    it('lists every type for *, oldest first', async () => {
      const answer = await app.rest('GET', `${agreementsOf(id)}?agreementType=*`, { token: admin });
      expect(answer.json()).toEqual({ totalCount: 2, items: [cloudAgreement, customerAgreement], attributes: { objectType: 'Collection' } });
    });

    it('answers a related customer without records with an empty collection', async () => {
      const empty = await freshCustomer();
      const answer = await app.rest('GET', `${agreementsOf(empty)}?agreementType=*`, { token: admin });
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual({ totalCount: 0, items: [], attributes: { objectType: 'Collection' } });
    });

    it.each([['HELPDESK_AGENT'], ['GLOBAL_ADMIN']])('refuses %s, who may not read acceptance records, with 403', async (role) => {
      const token = await app.token(P.direct, [role]);
      const answer = await app.rest('GET', agreementsOf(id), { token });
      expect(answer.status).toBe(403);
      expect(answer.json()).toMatchObject({ code: 2032, data: [{ code: 'FORBIDDEN' }] });
    });

    it('lets an indirect reseller read its own records', async () => {
      const own = await freshCustomer([P.reseller]);
      const token = await app.token(P.reseller, ['SALES_AGENT']);
      const answer = await app.rest('GET', agreementsOf(own), { token });
      expect(answer.status).toBe(200);
    });

    it("answers another partner's customer with 404, exactly like an unknown one", async () => {
      const foreign = await freshCustomer([P.other], 'PC-FOREIGN-2');
      await app.seed({ acceptances: [acceptance(`A-${foreign}`, foreign, P.other)] });
      const a = await app.rest('GET', `${agreementsOf(foreign)}?agreementType=*`, { token: admin });
      const b = await app.rest('GET', `${agreementsOf('PC-NOWHERE-2')}?agreementType=*`, { token: admin });
      expect(a.status).toBe(404);
      expect(a.json()).toEqual(refusal(1000, 'NOT_FOUND', 'Customer "PC-FOREIGN-2" was not found.', 'customer-tenant-id'));
      expect(b.status).toBe(404);
      expect(b.json().data).toEqual(a.json().data);
    });
  });

  describe('tokens, headers and routes', () => {
    it('answers without a valid token with 401 in Partner Center’s shape, still echoing the ids', async () => {
      for (const token of [null, 'not-a-token']) {
        const answer = await app.rest('GET', '/v1/agreements', { token, headers: MS_HEADERS });
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
        expect(answer.headers.get('ms-requestid')).toBe(MS_REQUEST_ID);
        expect(answer.headers.get('ms-correlationid')).toBe(MS_CORRELATION_ID);
        expect(answer.json()).toMatchObject({ code: 400, data: [{ code: 'UNAUTHENTICATED' }], source: SOURCE });
      }
    });

    it('echoes MS-CV like MS-CorrelationId, on answers and refusals', async () => {
      for (const cv of ['YOrQVpKzE0y+Gc8T.0', 'UKQx6bNoHUKNs8eT.1.2', 'Ab/9cdEfGhIjKlMn.12']) {
        for (const token of [admin, null]) {
          const answer = await app.rest('GET', '/v1/agreements', { token, headers: { ...MS_HEADERS, 'MS-CV': cv } });
          expect(answer.headers.get('ms-cv')).toBe(cv);
          expect(answer.headers.get('ms-correlationid')).toBe(MS_CORRELATION_ID);
        }
      }
      const id = await freshCustomer();
      const created = await app.rest('POST', agreementsOf(id), { token: admin, body: documentedAgreement(), headers: { 'MS-CV': 'YOrQVpKzE0y+Gc8T.5' } });
      expect(created.status).toBe(201);
      expect(created.headers.get('ms-cv')).toBe('YOrQVpKzE0y+Gc8T.5');
    });

    it('makes up an MS-CV when the client sends none or one that is not a correlation vector', async () => {
      const CV = /^[A-Za-z0-9+/]{16}\.0$/;
      const made = new Set<string>();
      const sent: Record<string, string>[] = [{}, { 'MS-CV': 'has space.0' }, { 'MS-CV': 'no-vector' }, { 'MS-CV': `${'a'.repeat(127)}.0` }];
      for (const headers of sent) {
        const answer = await app.rest('GET', '/v1/agreements', { token: admin, headers });
        expect(answer.headers.get('ms-cv')).toMatch(CV);
        made.add(answer.headers.get('ms-cv')!);
      }
      expect(made.size).toBe(4);
    });

    it('makes up both ids when the client sends none or unusable ones: MS-RequestId is the request id', async () => {
      const sent: Record<string, string>[] = [{}, { 'MS-RequestId': 'has space', 'MS-CorrelationId': 'x'.repeat(129) }];
      for (const headers of sent) {
        const answer = await app.rest('GET', '/v1/agreements', { token: admin, headers });
        expect(answer.headers.get('ms-requestid')).toMatch(UUID);
        expect(answer.headers.get('ms-requestid')).toBe(answer.headers.get('x-request-id'));
        expect(answer.headers.get('ms-correlationid')).toMatch(UUID);
        expect(answer.headers.get('ms-correlationid')).not.toBe(answer.headers.get('ms-requestid'));
      }
    });

    it('answers an unknown route under /v1 with 404 in Partner Center’s shape', async () => {
      for (const path of ['/v1', '/v1/', '/v1/nothing', '/v1/customers/C-1', '/v1/customers/C-1/agreements/extra']) {
        const answer = await app.rest('GET', path, { token: admin });
        expect(answer.status).toBe(404);
        expect(answer.json()).toMatchObject({ code: 1000, data: [{ code: 'NOT_FOUND' }], source: SOURCE });
      }
    });

    it('matches routes whatever the case of the path, and answers HEAD with 405', async () => {
      expect((await app.rest('GET', '/V1/Agreements?agreementType=MicrosoftCustomerAgreement', { token: admin })).json().totalCount).toBe(1);
      const head = await app.rest('HEAD', '/v1/agreements', { token: admin });
      expect(head.status).toBe(405);
      expect(head.headers.get('allow')).toBe('GET');
    });

    it.each([
      ['DELETE', '/v1/customers/C-1/agreements', 'GET, POST'],
      ['PUT', '/v1/customers/C-1/agreements', 'GET, POST'],
      ['POST', '/v1/agreements', 'GET'],
      ['POST', '/v1/reports/acceptance-status.csv', 'GET'],
    ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
      const answer = await app.rest(method, path, { token: admin });
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe(allow);
      expect(answer.json()).toMatchObject({ code: 800042, data: [{ code: 'METHOD_NOT_ALLOWED' }] });
    });
  });
});

describe.each(testDatabases())('Partner Center-compatible REST when throttled (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock(NOW), env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' } });
    await app.seed({ partners: partners(), offers: offers() });
  });
  afterAll(() => app.close());

  it("answers 429 with Retry-After and Partner Center's throttling code 429, not the code of 503", async () => {
    const token = await app.token(P.direct, ['ADMIN_AGENT']);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await app.rest('GET', '/v1/agreements', { token, headers: MS_HEADERS }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    const throttled = answers[2];
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(throttled.headers.get('ms-correlationid')).toBe(MS_CORRELATION_ID);
    expect(throttled.json()).toEqual(refusal(429, 'RATE_LIMITED', expect.stringMatching(/^Too many requests/)));
  });
});
