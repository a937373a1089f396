import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, MCA_V1, OFFER, offers, P, partners, template } from '../helpers/fixtures';

const NOW = '2026-11-21T04:00:00.000Z';
const MCA_V2 = 'mca-v2-current-rule';

const CONFIRM = `mutation ($input: ConfirmAcceptanceInput!) {
  confirmCustomerAcceptance(input: $input) { acceptance { id } customer { agreementStatus { status canTransact acceptance { id } } } }
}`;
const STATUS = `query ($id: ID!) { customer(id: $id) { agreementStatus { status canTransact acceptance { id dateAgreed agreement { templateId } } } } }`;
const ORDER = `mutation ($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }`;
const COUNT = `query ($status: AgreementStatusCode) { customers(first: 500, filter: { agreementStatus: $status }) { totalCount nodes { id } } }`;

const person = (firstName: string) => contact({ firstName, email: `${firstName.toLowerCase()}@example.com` });

/** The acceptance a status rests on: of the highest-ranked template, then the latest dateAgreed, then the latest recorded. */
describe.each(testDatabases())('the acceptance a status rests on (%s)', (kind) => {
  let app: TestApp;
  let admin: string;
  let n = 0;

  const fresh = async (acceptances: (id: string) => unknown[] = () => []) => {
    const id = `CUR-${++n}`;
    await app.seed({ customers: [customer(id)] });
    await app.seed({ acceptances: acceptances(id) });
    return id;
  };
  const confirm = async (customerId: string, templateId: string, signatory: string, dateAgreed: string) => {
    const { body } = await app.gql(admin, CONFIRM, { input: { customerId, templateId, acceptedBy: person(signatory), dateAgreed } });
    expect(body.errors).toBeUndefined();
    return body.data!.confirmCustomerAcceptance;
  };
  const status = async (id: string) => (await app.gql(admin, STATUS, { id })).body.data!.customer.agreementStatus;

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock(NOW) });
    await app.seed({ partners: partners(), offers: offers(), agreements: [template(MCA_V2, 2, { effectiveDate: '2025-06-01' })] });
    admin = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());

  it('keeps ACCEPTED when an older version is recorded afterwards, and orders still go through', async () => {
    const id = await fresh();
    const latest = await confirm(id, MCA_V2, 'Ann', '2026-11-01');
    const backfill = await confirm(id, MCA_V1, 'Ben', '2026-11-20');
    expect(backfill.customer.agreementStatus).toEqual({ status: 'ACCEPTED', canTransact: true, acceptance: { id: latest.acceptance.id } });
    expect(await status(id)).toEqual({
      status: 'ACCEPTED',
      canTransact: true,
      acceptance: { id: latest.acceptance.id, dateAgreed: '2026-11-01', agreement: { templateId: MCA_V2 } },
    });
    const order = await app.gql(admin, ORDER, { input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 3 }] } });
    expect(order.body.errors).toBeUndefined();
  });

  it('rests on the latest dateAgreed among records of the same version, whatever the order they were recorded in', async () => {
    const id = await fresh();
    const later = await confirm(id, MCA_V2, 'Ann', '2026-11-10');
    const earlier = await confirm(id, MCA_V2, 'Ben', '2026-10-01');
    expect(earlier.customer.agreementStatus.acceptance.id).toBe(later.acceptance.id);
    // Same version and day: the one recorded last.
    const sameDay = await confirm(id, MCA_V2, 'Cleo', '2026-11-10');
    expect((await status(id)).acceptance.id).toBe(sameDay.acceptance.id);
  });

  it('applies the duplicate rule to the record the status rests on, not to the one recorded last', async () => {
    const id = await fresh();
    await confirm(id, MCA_V2, 'Ann', '2026-11-10');
    await confirm(id, MCA_V1, 'Ben', '2026-11-10');
    const again = await app.gql(admin, CONFIRM, { input: { customerId: id, templateId: MCA_V2, acceptedBy: person('Ann'), dateAgreed: '2026-11-11' } });
    expect(again.body.errors?.[0].extensions?.code).toBe('ACCEPTANCE_ALREADY_EXISTS');
  });

  it('chooses the same record from imported history, whatever order the file lists and records it in', async () => {
    const id = await fresh((c) => [
      acceptance(`${c}-v2`, c, P.direct, { templateId: MCA_V2, dateAgreed: '2025-07-01', recordedAt: '2025-07-01T10:00:00.000Z' }),
      acceptance(`${c}-v1-late`, c, P.direct, { dateAgreed: '2026-01-01', recordedAt: '2026-01-02T10:00:00.000Z', acceptedBy: person('Ben') }),
    ]);
    expect(await status(id)).toEqual({
      status: 'ACCEPTED',
      canTransact: true,
      acceptance: { id: `${id}-v2`, dateAgreed: '2025-07-01', agreement: { templateId: MCA_V2 } },
    });
    // A second file adds an older version recorded even later: still the rank-2 record.
    await app.seed({ acceptances: [acceptance(`${id}-v1-later`, id, P.direct, { dateAgreed: '2026-02-01', recordedAt: '2026-02-02T10:00:00.000Z' })] });
    expect((await status(id)).acceptance.id).toBe(`${id}-v2`);
  });

  it('counts and filters by the same record', async () => {
    const before = (await app.gql(admin, COUNT, { status: 'ACCEPTED' })).body.data!.customers;
    const id = await fresh();
    await confirm(id, MCA_V2, 'Ann', '2026-11-01');
    await confirm(id, MCA_V1, 'Ben', '2026-11-02');
    const accepted = (await app.gql(admin, COUNT, { status: 'ACCEPTED' })).body.data!.customers;
    const outdated = (await app.gql(admin, COUNT, { status: 'OUTDATED' })).body.data!.customers;
    expect(accepted.totalCount).toBe(before.totalCount + 1);
    expect(accepted.nodes.map((c: { id: string }) => c.id)).toContain(id);
    expect(outdated.nodes.map((c: { id: string }) => c.id)).not.toContain(id);
    expect(outdated.totalCount).toBe(outdated.nodes.length);
  });
});
