import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, MCA_V1, offers, P, partners, template } from '../helpers/fixtures';

const LIST = `query ($status: AgreementStatusCode) {
  customers(first: 500, filter: { agreementStatus: $status }) { totalCount nodes { id agreementStatus { status } } }
}`;
const CONFIRM = 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }';

/**
 * totalCount is read from per-partner counts that every write keeps in step:
 * after each kind of write, it must equal what the listed statuses say.
 */
describe.each(testDatabases())('totalCount agrees with the statuses after every kind of write (%s)', (kind) => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock('2026-11-21T04:00:00.000Z') });
    await app.seed({
      partners: partners(),
      offers: offers(),
      customers: ['N-1', 'N-2', 'N-3', 'N-4', 'N-5'].map((id) => customer(id)),
      acceptances: [acceptance('NA-1', 'N-1', P.direct), acceptance('NA-2', 'N-2', P.direct)],
    });
    token = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());

  const agrees = async (partner: string = P.direct) => {
    const caller = partner === P.direct ? token : await app.token(partner, ['ADMIN_AGENT']);
    const all = (await app.gql(caller, LIST, {})).body.data!.customers;
    expect(all.totalCount).toBe(all.nodes.length);
    const byStatus = new Map<string, number>();
    for (const node of all.nodes) byStatus.set(node.agreementStatus.status, (byStatus.get(node.agreementStatus.status) ?? 0) + 1);
    for (const status of ['ACCEPTED', 'OUTDATED', 'NOT_ACCEPTED', 'NOT_APPLICABLE']) {
      const filtered = (await app.gql(caller, LIST, { status })).body.data!.customers;
      expect({ status, totalCount: filtered.totalCount }).toEqual({ status, totalCount: byStatus.get(status) ?? 0 });
      expect(filtered.nodes).toHaveLength(filtered.totalCount);
    }
    return Object.fromEntries(byStatus);
  };

  it('after an import', async () => {
    expect(await agrees()).toEqual({ ACCEPTED: 2, NOT_ACCEPTED: 3 });
  });

  it('after confirmations: a first one, one replacing by another signatory, and a refused duplicate', async () => {
    await app.gql(token, CONFIRM, { input: { customerId: 'N-3', dateAgreed: '2026-11-20' } });
    await app.gql(token, CONFIRM, { input: { customerId: 'N-1', dateAgreed: '2026-11-20', acceptedBy: contact({ firstName: 'Other' }) } });
    await app.gql(token, CONFIRM, { input: { customerId: 'N-1', dateAgreed: '2026-11-20', acceptedBy: contact({ firstName: 'Other' }) } });
    expect(await agrees()).toEqual({ ACCEPTED: 3, NOT_ACCEPTED: 2 });
  });

  it('after a newer template is published, and some customers accept it', async () => {
    await app.seed({ agreements: [template('MCA-COUNT-V2', 2, { effectiveDate: '2026-01-01' })] });
    expect(await agrees()).toEqual({ OUTDATED: 3, NOT_ACCEPTED: 2 });
    await app.gql(token, CONFIRM, { input: { customerId: 'N-2', dateAgreed: '2026-11-20' } });
    await app.gql(token, CONFIRM, { input: { customerId: 'N-4', dateAgreed: '2026-11-20' } });
    expect(await agrees()).toEqual({ ACCEPTED: 2, OUTDATED: 2, NOT_ACCEPTED: 1 });
  });

  it('after the older template is recorded again for a customer on the newer one, which changes no status', async () => {
    const { body } = await app.gql(token, CONFIRM, {
      input: { customerId: 'N-2', templateId: MCA_V1, dateAgreed: '2026-11-20', acceptedBy: contact({ firstName: 'Back' }) },
    });
    expect(body.errors).toBeUndefined();
    expect(await agrees()).toEqual({ ACCEPTED: 2, OUTDATED: 2, NOT_ACCEPTED: 1 });
  });

  it('after customers are created, with and without an acceptance', async () => {
    const create = 'mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }';
    const input = (domain: string, extra = {}) => ({ input: { companyName: domain, domain, primaryContact: contact({ email: `it@${domain}` }), ...extra } });
    await app.gql(token, create, input('count-one.example'));
    await app.gql(token, create, input('count-two.example', { agreementAcceptance: { dateAgreed: '2026-11-20' } }));
    expect(await agrees()).toEqual({ ACCEPTED: 3, OUTDATED: 2, NOT_ACCEPTED: 2 });
  });

  it('after an import adds relationships and older and newer acceptances', async () => {
    await app.seed({
      customers: [customer('N-6', { partnerIds: [P.direct, P.gov] }), customer('N-5', { partnerIds: [P.direct, P.gov] })],
      acceptances: [
        // older than N-4's current one: history only
        acceptance('NA-OLD-4', 'N-4', P.direct, { acceptedBy: contact({ firstName: 'Old' }), recordedAt: '2024-01-01T00:00:00.000Z' }),
        acceptance('NA-6', 'N-6', P.direct, { templateId: 'MCA-COUNT-V2', dateAgreed: '2026-02-01', recordedAt: '2026-02-01T00:00:00.000Z' }),
      ],
    });
    expect(await agrees()).toEqual({ ACCEPTED: 4, OUTDATED: 2, NOT_ACCEPTED: 2 });
    expect(await agrees(P.gov)).toEqual({ NOT_APPLICABLE: 2 });
  });

  it('with a search, by counting the matches', async () => {
    const { body } = await app.gql(token, '{ customers(filter: { search: "n-" }) { totalCount nodes { id } } }');
    expect(body.data!.customers.totalCount).toBe(body.data!.customers.nodes.length);
    expect(body.data!.customers.totalCount).toBe(6);
  });
});
