import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { parseCsv } from '../helpers/csv';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, MCLOUD, offers, P, partners, subscription, template } from '../helpers/fixtures';

const NOW = '2026-11-21T04:00:00.000Z';
const REPORT = '/v1/reports/acceptance-status.csv';
const HEADER = 'customerId,companyName,domain,agreementType,status,canTransact,outdatedFrom,templateId,versionRank,method,channel,dateAgreed,recordedByUserId,recordedByRole,recordedAt'.split(',');

const STATUSES = `query ($type: AgreementType!) {
  customers(first: 500) {
    nodes {
      id companyName domain
      agreementStatus(type: $type) {
        type status canTransact outdatedFrom
        acceptance { method channel dateAgreed recordedAt recordedBy { userId role } agreement { templateId versionRank } }
      }
    }
  }
}`;

interface StatusNode {
  id: string;
  companyName: string;
  domain: string;
  agreementStatus: {
    type: string;
    status: string;
    canTransact: boolean;
    outdatedFrom: string | null;
    acceptance: null | {
      method: string;
      channel: string;
      dateAgreed: string;
      recordedAt: string;
      recordedBy: { userId: string; role: string };
      agreement: { templateId: string; versionRank: number };
    };
  };
}

/** How a spreadsheet-safe report shows text that starts like a formula. */
const shown = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

/** The report's record for a customer, from what GraphQL says about it. */
const expectedRecord = ({ id, companyName, domain, agreementStatus: s }: StatusNode) => [
  id,
  shown(companyName),
  domain,
  s.type,
  s.status,
  String(s.canTransact),
  s.outdatedFrom ?? '',
  s.acceptance?.agreement.templateId ?? '',
  s.acceptance ? String(s.acceptance.agreement.versionRank) : '',
  s.acceptance?.method ?? '',
  s.acceptance?.channel ?? '',
  s.acceptance?.dateAgreed ?? '',
  s.acceptance?.recordedBy.userId ?? '',
  s.acceptance?.recordedBy.role ?? '',
  s.acceptance?.recordedAt ?? '',
];

const SIGNATORY = contact({ firstName: 'Signe', lastName: 'Tory', email: 'signe.tory@signatory.example', phoneNumber: '+1 555 0199' });

describe.each(testDatabases())('acceptance status report (%s)', (kind) => {
  let app: TestApp;
  let admin: string;

  const names: Record<string, string> = {
    'R-ACC': 'Accepted Anew Ltd',
    'R-OLD': 'Outdated Old Co',
    'R-NONE': 'Never Accepted AG',
    'R-ATT': 'Attested Arms',
    'R-COMMA': 'Contoso, Ltd.',
    'R-QUOTE': 'The "Best" Co',
    'R-FORMULA': '=HYPERLINK("http://evil.example","click")',
    'R-PLUS': '+44 Traders',
    'R-MINUS': '-Minus Ltd',
    'R-AT': '@Mention Inc',
    'R-UNICODE': 'Ørsted Ålborg ApS',
  };

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock(NOW) });
    await app.seed({
      partners: partners(),
      offers: offers(),
      agreements: [template('MCA-V2', 2, { effectiveDate: '2025-01-01', agreementLink: 'https://aka.ms/mca-v2' })],
      customers: [
        ...Object.entries(names).map(([id, companyName]) => customer(id, { companyName, primaryContact: SIGNATORY })),
        customer('R-FOREIGN', { companyName: 'Foreign Only', partnerIds: [P.other] }),
        customer('R-GOV', { companyName: 'Gov Agency', partnerIds: [P.gov] }),
      ],
      subscriptions: [subscription('S-ATT', 'R-ATT', P.direct)],
      acceptances: [
        acceptance('A-OLD', 'R-OLD', P.direct, { acceptedBy: SIGNATORY }),
        acceptance('A-CLOUD', 'R-NONE', P.direct, { templateId: MCLOUD, dateAgreed: '2019-08-26', acceptedBy: SIGNATORY }),
        acceptance('A-FOREIGN', 'R-FOREIGN', P.other, { acceptedBy: SIGNATORY }),
      ],
    });
    admin = await app.token(P.direct, ['ADMIN_AGENT'], 'agent-7');
    const confirmed = await app.rest('POST', '/v1/customers/R-ACC/agreements', {
      token: admin,
      body: { dateAgreed: '2026-11-20T00:00:00Z', primaryContact: SIGNATORY },
    });
    expect(confirmed.status).toBe(201);
    const attested = await app.gql(admin, 'mutation { attestCustomerAcceptance(input: { customerId: "R-ATT", dateAgreed: "2026-11-19" }) { acceptance { id } } }');
    expect(attested.body.errors).toBeUndefined();
    const outsider = await app.token(P.direct, ['SALES_AGENT']);
    expect((await app.rest('POST', '/v1/customers/R-COMMA/agreements', { token: outsider, body: { dateAgreed: '2026-11-18' } })).status).toBe(201);
  });
  afterAll(() => app.close());

  const exportAs = (token: string, query = '', headers: Record<string, string> = {}) => app.rest('GET', `${REPORT}${query}`, { token, headers });

  it('has one row per customer of the partner, in the order of the customers query, agreeing with GraphQL on every status', async () => {
    const answer = await exportAs(admin);
    expect(answer.status).toBe(200);
    const [header, ...records] = parseCsv(answer.text);
    expect(header).toEqual(HEADER);
    const { body } = await app.gql(admin, STATUSES, { type: 'MICROSOFT_CUSTOMER_AGREEMENT' });
    const nodes = body.data!.customers.nodes as StatusNode[];
    expect(records).toEqual(nodes.map(expectedRecord));
    expect(records.map((r) => r[0]).sort()).toEqual(Object.keys(names).sort());
    const byId = new Map(records.map((r) => [r[0], r]));
    expect(byId.get('R-ACC')!.slice(4, 13)).toEqual(['ACCEPTED', 'true', '', 'MCA-V2', '2', 'CONFIRMATION', 'EXISTING_CUSTOMER', '2026-11-20', 'agent-7']);
    expect(byId.get('R-OLD')!.slice(4, 11)).toEqual(['OUTDATED', 'false', '', '117a77b0-9360-443b-8795-c6dedc750cf9', '1', 'CONFIRMATION', 'IMPORT']);
    expect(byId.get('R-NONE')!.slice(4)).toEqual(['NOT_ACCEPTED', 'false', '', '', '', '', '', '', '', '', '']);
    expect(byId.get('R-ATT')!.slice(4, 11)).toEqual(['ACCEPTED', 'true', '', 'MCA-V2', '2', 'ATTESTATION', 'EXISTING_CUSTOMER']);
    expect(byId.get('R-COMMA')!.slice(12, 15)).toEqual(['user-1', 'SALES_AGENT', NOW]);
  });

  it('reports the agreement type asked for, with the same statuses as GraphQL', async () => {
    const answer = await exportAs(admin, '?agreementType=MicrosoftCloudAgreement');
    expect(answer.status).toBe(200);
    const [, ...records] = parseCsv(answer.text);
    const { body } = await app.gql(admin, STATUSES, { type: 'MICROSOFT_CLOUD_AGREEMENT' });
    expect(records).toEqual((body.data!.customers.nodes as StatusNode[]).map(expectedRecord));
    expect(records.find((r) => r[0] === 'R-NONE')!.slice(3, 12)).toEqual(['MICROSOFT_CLOUD_AGREEMENT', 'OUTDATED', 'false', '', MCLOUD, '1', 'CONFIRMATION', 'IMPORT', '2019-08-26']);
  });

  it('is NOT_APPLICABLE, resting on no record, for a partner outside the public cloud', async () => {
    const token = await app.token(P.gov, ['SALES_AGENT']);
    const answer = await exportAs(token);
    expect(parseCsv(answer.text)).toEqual([HEADER, ['R-GOV', 'Gov Agency', 'r-gov.onmicrosoft.com', 'MICROSOFT_CUSTOMER_AGREEMENT', 'NOT_APPLICABLE', 'true', '', '', '', '', '', '', '', '', '']]);
  });

  it('quotes commas and quotes, and defuses text a spreadsheet would run as a formula', async () => {
    const lines = (await exportAs(admin)).text.split('\r\n');
    const line = (id: string) => lines.find((l) => l.startsWith(`${id},`));
    expect(line('R-COMMA')).toMatch(/^R-COMMA,"Contoso, Ltd\.",r-comma\.onmicrosoft\.com,/);
    expect(line('R-QUOTE')).toMatch(/^R-QUOTE,"The ""Best"" Co",/);
    expect(line('R-FORMULA')).toMatch(/^R-FORMULA,"'=HYPERLINK\(""http:\/\/evil\.example"",""click""\)",/);
    expect(line('R-PLUS')).toMatch(/^R-PLUS,'\+44 Traders,/);
    expect(line('R-MINUS')).toMatch(/^R-MINUS,'-Minus Ltd,/);
    expect(line('R-AT')).toMatch(/^R-AT,'@Mention Inc,/);
    expect(line('R-UNICODE')).toMatch(/^R-UNICODE,Ørsted Ålborg ApS,/);
    expect(lines.at(-1)).toBe('');
  });

  it('carries no contact details of anyone', async () => {
    const { text } = await exportAs(admin, '?agreementType=MicrosoftCloudAgreement');
    const all = text + (await exportAs(admin)).text;
    for (const detail of ['Signe', 'Tory', 'signatory.example', '555 0199', 'Tania', 'Carr', 'wingtiptoys', '.example,']) {
      expect(all).not.toContain(detail);
    }
  });

  it('is a UTF-8 CSV attachment, named after the agreement type and the day, with the ids echoed', async () => {
    const answer = await exportAs(admin, '', { 'MS-RequestId': 'req-1', 'MS-CorrelationId': 'corr-1' });
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="acceptance-status-MicrosoftCustomerAgreement-2026-11-21.csv"');
    expect(answer.headers.get('ms-requestid')).toBe('req-1');
    expect(answer.headers.get('ms-correlationid')).toBe('corr-1');
    expect(answer.text.charCodeAt(0)).toBe('c'.charCodeAt(0));
  });

  describe('who may', () => {
    it.each([['HELPDESK_AGENT'], ['GLOBAL_ADMIN']])('refuses %s with 403 in Partner Center’s shape, before any CSV', async (role) => {
      const token = await app.token(P.direct, [role]);
      const answer = await exportAs(token);
      expect(answer.status).toBe(403);
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(answer.json()).toMatchObject({ code: 2032, data: [{ code: 'FORBIDDEN' }] });
    });

    it('lets a SALES_AGENT of any partner type export its own customers', async () => {
      const token = await app.token(P.reseller, ['SALES_AGENT']);
      const answer = await exportAs(token);
      expect(answer.status).toBe(200);
      expect(parseCsv(answer.text)).toEqual([HEADER]);
    });

    it('refuses a caller without a valid token with 401', async () => {
      const answer = await app.rest('GET', REPORT);
      expect(answer.status).toBe(401);
      expect(answer.json()).toMatchObject({ code: 400, data: [{ code: 'UNAUTHENTICATED' }] });
    });
  });

  it.each([['*'], ['MicrosoftPartnerAgreement']])('refuses agreementType=%s with 400', async (type) => {
    const answer = await exportAs(admin, `?agreementType=${encodeURIComponent(type)}`);
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ code: 3000, data: [{ code: 'BAD_USER_INPUT', field: 'agreementType' }] });
  });
});
