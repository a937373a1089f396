import { parseImportFile } from '../../src/imports/import-file';
import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, customer, MCA_V1, offers, P, partners, template } from '../helpers/fixtures';

const NOW = '2026-11-21T04:00:00.000Z';

const doc = (country: string, language: string) => ({
  country,
  language,
  displayUri: `https://www.example.com/${language.toLowerCase()}/mca`,
  downloadUri: `https://download.example.com/mca/${country}/${language}.pdf`,
});

/** A version with texts for three countries, DE in two languages (de-DE first). */
const DOCS = 'DOC-V';
const DOCS_TEXTS = [doc('US', 'en-US'), doc('DE', 'de-DE'), doc('DE', 'en-US'), doc('KR', 'ko-KR')];
/** A version without texts. */
const BARE = 'BARE-V';
/** A version without a US text. */
const NO_US = 'NO-US-V';

describe.each(testDatabases())('agreement documents (%s)', (kind) => {
  let app: TestApp;
  let admin: string;
  let helpdesk: string;

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock(NOW) });
    await app.seed({
      partners: partners(),
      offers: offers(),
      agreements: [
        template(DOCS, 5, { documents: DOCS_TEXTS }),
        template(BARE, 6),
        template(NO_US, 7, { documents: [doc('FR', 'fr-FR'), doc('FR', 'en-GB')] }),
      ],
    });
    admin = await app.token(P.direct, ['ADMIN_AGENT']);
    helpdesk = await app.token(P.direct, ['HELPDESK_AGENT']);
  });
  afterAll(() => app.close());

  const DOCUMENT = 'country language displayUri downloadUri';
  const agreements = async (fields: string) => {
    const { body } = await app.gql(admin, `{ agreements(includeRetired: true) { templateId ${fields} } }`);
    expect(body.errors).toBeUndefined();
    return new Map((body.data!.agreements as { templateId: string }[]).map((a) => [a.templateId, a as Record<string, any>]));
  };

  describe('Agreement.document and Agreement.documents', () => {
    it('lists every text of a version in its order, and none for a version without', async () => {
      const found = await agreements(`documents { ${DOCUMENT} }`);
      expect(found.get(DOCS)!.documents).toEqual(DOCS_TEXTS);
      expect(found.get(BARE)!.documents).toEqual([]);
    });

    it('picks the exact match, else the country’s first language, else US/en-US', async () => {
      const found = await agreements(`
        exact: document(country: "DE", language: "en-US") { country language }
        spelling: document(country: "DE", language: "EN-us") { country language }
        countryFirst: document(country: "DE", language: "fr-FR") { country language }
        countryOnly: document(country: "KR") { country language }
        unknownCountry: document(country: "JP", language: "ja-JP") { country language }
        noArguments: document { ${DOCUMENT} }`);
      const docs = found.get(DOCS)!;
      expect(docs.exact).toEqual({ country: 'DE', language: 'en-US' });
      expect(docs.spelling).toEqual({ country: 'DE', language: 'en-US' });
      expect(docs.countryFirst).toEqual({ country: 'DE', language: 'de-DE' });
      expect(docs.countryOnly).toEqual({ country: 'KR', language: 'ko-KR' });
      expect(docs.unknownCountry).toEqual({ country: 'US', language: 'en-US' });
      expect(docs.noArguments).toEqual(DOCS_TEXTS[0]);
    });

    it('is null for a version without texts; without a US text, the version’s first', async () => {
      const found = await agreements('document(country: "JP", language: "ja-JP") { country language }');
      expect(found.get(BARE)!.document).toBeNull();
      expect(found.get(NO_US)!.document).toEqual({ country: 'FR', language: 'fr-FR' });
    });

    it('refuses a malformed country or language with BAD_USER_INPUT naming the argument', async () => {
      for (const [args, field] of [
        ['country: "de"', 'country'],
        ['country: "Germany"', 'country'],
        ['language: "en_US"', 'language'],
        ['language: "x"', 'language'],
      ]) {
        const { body } = await app.gql(admin, `{ agreements { templateId document(${args}) { country } } }`);
        expect(body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
    });

    it('reads the texts of a whole list of versions with one statement', async () => {
      // The versions themselves come from the process's catalogue: read it once first.
      await app.gql(admin, '{ agreements(includeRetired: true) { templateId } }');
      const without = await app.countStatements(() => app.gql(admin, '{ agreements(includeRetired: true) { templateId } }'));
      const withDocs = await app.countStatements(() =>
        app.gql(admin, `{ agreements(includeRetired: true) { templateId documents { country } de: document(country: "DE") { language } us: document { language } } }`),
      );
      const oneVersion = await app.countStatements(() => app.gql(admin, `{ agreements(type: MICROSOFT_CLOUD_AGREEMENT, includeRetired: true) { templateId documents { country } document { language } } }`));
      const oneVersionWithout = await app.countStatements(() => app.gql(admin, '{ agreements(type: MICROSOFT_CLOUD_AGREEMENT, includeRetired: true) { templateId } }'));
      const listed = await agreements('');
      expect(listed.size).toBeGreaterThanOrEqual(4);
      expect(withDocs - without).toBe(1);
      expect(oneVersion - oneVersionWithout).toBe(1);
    });
  });

  describe('GET /v1/agreementtemplates/{templateId}/document', () => {
    const get = (templateId: string, query = '', token: string | null = admin) =>
      app.rest('GET', `/v1/agreementtemplates/${encodeURIComponent(templateId)}/document${query}`, { token });

    it('defaults to US and en-US', async () => {
      const answer = await get(DOCS);
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual(DOCS_TEXTS[0]);
    });

    it('goes by the same rule: exact, the country’s first language, US/en-US', async () => {
      expect((await get(DOCS, '?country=DE')).json()).toMatchObject({ country: 'DE', language: 'en-US' });
      expect((await get(DOCS, '?language=de-DE&country=DE')).json()).toEqual(DOCS_TEXTS[1]);
      expect((await get(DOCS, '?country=KR')).json()).toMatchObject({ country: 'KR', language: 'ko-KR' });
      expect((await get(DOCS, '?country=JP&language=ja-JP')).json()).toMatchObject({ country: 'US', language: 'en-US' });
    });

    it('is open to every role, like the agreement metadata', async () => {
      expect((await get(DOCS, '?country=DE', helpdesk)).status).toBe(200);
    });

    it('answers 404 for an unknown version or one without texts, 400 for a malformed country, 401 without a token', async () => {
      const unknown = await get('NO-SUCH-V');
      expect(unknown.status).toBe(404);
      expect(unknown.json()).toMatchObject({ code: 1000, data: [{ code: 'NOT_FOUND', field: 'templateId' }] });
      const bare = await get(BARE);
      expect(bare.status).toBe(404);
      expect(bare.json()).toMatchObject({ code: 1000, data: [{ code: 'NOT_FOUND', field: 'templateId' }] });
      const malformed = await get(DOCS, '?country=germany');
      expect(malformed.status).toBe(400);
      expect(malformed.json()).toMatchObject({ data: [{ code: 'BAD_USER_INPUT', field: 'country' }] });
      expect((await get(DOCS, '', null)).status).toBe(401);
    });
  });

  describe('the import', () => {
    const run = async (file: Record<string, unknown>) => app.server.services.imports.run(parseImportFile(JSON.parse(JSON.stringify(file)), new Date(NOW)));
    const texts = async (templateId: string) =>
      app.db.query<{ country: string; language: string; ordinal: number }>(
        'SELECT country, language, ordinal FROM agreement_documents WHERE template_id = ? ORDER BY ordinal',
        [templateId],
      );

    it('leaves a version as it is when its texts come again, and replaces them, in the new order, when they change', async () => {
      const again = await run({ agreements: [template(DOCS, 5, { documents: DOCS_TEXTS })] });
      expect(again.agreements).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
      const omitted = await run({ agreements: [template(DOCS, 5)] });
      expect(omitted.agreements).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
      expect(await texts(DOCS)).toHaveLength(4);

      const changed = await run({ agreements: [template('DOC-W', 8, { documents: [doc('US', 'en-US')] })] });
      expect(changed.agreements.inserted).toBe(1);
      const reordered = await run({ agreements: [template('DOC-W', 8, { documents: [doc('DE', 'en-US'), doc('DE', 'de-DE'), doc('US', 'en-US')] })] });
      expect(reordered.agreements).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
      expect((await texts('DOC-W')).map((d) => `${d.country}/${d.language}`)).toEqual(['DE/en-US', 'DE/de-DE', 'US/en-US']);
      expect((await get('DOC-W', '?country=DE&language=fr-FR')).json()).toMatchObject({ country: 'DE', language: 'en-US' });
    });

    const get = (templateId: string, query = '') => app.rest('GET', `/v1/agreementtemplates/${templateId}/document${query}`, { token: admin });

    it('refuses, naming the row and field, a bad country, language, URI or a text twice, and writes nothing', async () => {
      const refusals: [Record<string, unknown>, RegExp][] = [
        [{ ...doc('US', 'en-US'), country: 'us' }, /agreements\[0\]\.documents\[0\]\.country: must be an ISO 3166-1 alpha-2/],
        [{ ...doc('US', 'en-US'), country: 'USA' }, /agreements\[0\]\.documents\[0\]\.country/],
        [{ ...doc('US', 'en-US'), language: 'english' }, /agreements\[0\]\.documents\[0\]\.language: must be a BCP 47 language tag/],
        [{ ...doc('US', 'en-US'), language: 'en_US' }, /agreements\[0\]\.documents\[0\]\.language/],
        [{ ...doc('US', 'en-US'), displayUri: 'ftp://example.com/mca' }, /agreements\[0\]\.documents\[0\]\.displayUri must be an http\(s\) URL/],
        [{ ...doc('US', 'en-US'), downloadUri: undefined }, /agreements\[0\]\.documents\[0\]\.downloadUri/],
      ];
      for (const [row, message] of refusals) {
        await expect(run({ agreements: [template('DOC-X', 9, { documents: [row] })] })).rejects.toThrow(message);
      }
      await expect(run({ agreements: [template('DOC-X', 9, { documents: [doc('DE', 'de-DE'), doc('DE', 'DE-de')] })] })).rejects.toThrow(
        /agreements\[0\]\.documents\[1\]: DE\/de-DE appears twice/,
      );
      await expect(run({ agreements: [template('DOC-X', 9, { documents: 'US' })] })).rejects.toThrow(/agreements\[0\]\.documents must be an array/);
      expect(await texts('DOC-X')).toEqual([]);
    });
  });

  describe('AgreementStatus.customerSigned and GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus', () => {
    beforeAll(async () => {
      await app.seed({
        customers: [customer('C-SIGNED'), customer('C-CONFIRMED'), customer('C-NONE'), customer('C-FOREIGN', { partnerIds: [P.other] })],
        acceptances: [
          acceptance('A-SIGNED', 'C-SIGNED', P.direct, { templateId: MCA_V1, method: 'CUSTOMER_SIGNED', channel: 'SIGNING_LINK' }),
          acceptance('A-CONFIRMED', 'C-CONFIRMED', P.direct, { templateId: MCA_V1 }),
          acceptance('A-FOREIGN', 'C-FOREIGN', P.other, { templateId: MCA_V1, method: 'CUSTOMER_SIGNED', channel: 'SIGNING_LINK' }),
        ],
      });
    });

    const isSigned = (customerId: string, token: string | null = admin) =>
      app.rest('GET', `/v1/customers/${encodeURIComponent(customerId)}/directSignedMicrosoftCustomerAgreementStatus`, { token });

    it('is true only where the acceptance the status rests on was signed by the customer', async () => {
      const { body } = await app.gql(admin, '{ customers { nodes { id agreementStatus { status customerSigned } } } }');
      const signed = Object.fromEntries((body.data!.customers.nodes as any[]).map((n) => [n.id, n.agreementStatus.customerSigned]));
      expect(signed).toEqual({ 'C-SIGNED': true, 'C-CONFIRMED': false, 'C-NONE': false });
      const mcloud = await app.gql(admin, '{ customer(id: "C-SIGNED") { agreementStatus(type: MICROSOFT_CLOUD_AGREEMENT) { customerSigned } } }');
      expect(mcloud.body.data!.customer.agreementStatus.customerSigned).toBe(false);

      expect(await isSigned('C-SIGNED').then((r) => [r.status, r.json()])).toEqual([200, { isSigned: true }]);
      expect(await isSigned('C-CONFIRMED').then((r) => [r.status, r.json()])).toEqual([200, { isSigned: false }]);
      expect(await isSigned('C-NONE').then((r) => [r.status, r.json()])).toEqual([200, { isSigned: false }]);
      expect((await isSigned('C-SIGNED', helpdesk)).json()).toEqual({ isSigned: true });
    });

    it('is false again once a newer acceptance by the partner supersedes the signed one', async () => {
      await app.seed({ customers: [customer('C-RESIGNED')] });
      await app.seed({
        acceptances: [
          acceptance('A-RESIGNED-1', 'C-RESIGNED', P.direct, { method: 'CUSTOMER_SIGNED', channel: 'SIGNING_LINK', recordedAt: '2024-03-01T10:00:00.000Z' }),
          acceptance('A-RESIGNED-2', 'C-RESIGNED', P.direct, { dateAgreed: '2024-04-01', recordedAt: '2024-04-01T10:00:00.000Z', acceptedBy: { firstName: 'Ravi', lastName: 'Patel', email: 'ravi@example.com', phoneNumber: null } }),
        ],
      });
      expect((await isSigned('C-RESIGNED')).json()).toEqual({ isSigned: false });
    });

    it('costs no statement beyond the status itself', async () => {
      const page = (fields: string) => app.countStatements(() => app.gql(admin, `{ customers { nodes { id agreementStatus { ${fields} } } } }`));
      await page('status');
      expect(await page('status customerSigned')).toBe(await page('status'));
    });

    it('answers 404 for a customer of another partner or none, as the other customer routes do, and 401 without a token', async () => {
      const foreign = await isSigned('C-FOREIGN');
      const unknown = await isSigned('C-NOBODY');
      expect(foreign.status).toBe(404);
      expect(foreign.json()).toMatchObject({ code: 1000, data: [{ code: 'NOT_FOUND', field: 'customer-tenant-id' }] });
      expect(unknown.status).toBe(404);
      expect(unknown.json().data).toEqual(foreign.json().data.map((d: any) => d));
      expect((await isSigned('C-SIGNED', null)).status).toBe(401);
      const other = await app.token(P.other, ['ADMIN_AGENT']);
      expect((await isSigned('C-FOREIGN', other)).json()).toEqual({ isSigned: true });
    });
  });
});
