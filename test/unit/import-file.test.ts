import { readFileSync } from 'node:fs';
import { ImportError, parseImportFile } from '../../src/imports/import-file';
import { acceptance, customer, offers, P, partners, subscription, template } from '../helpers/fixtures';
import { contractFile } from '../helpers/contract';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const EXAMPLE = contractFile('import-example.json');

/** A valid file; each test breaks one thing. */
const file = () => ({
  partners: partners(),
  agreements: [template('MCA-V2', 2)],
  offers: offers(),
  customers: [customer('C-1'), customer('C-2'), customer('C-3')],
  subscriptions: [subscription('S-1', 'C-1', P.direct)],
  acceptances: [acceptance('A-1', 'C-1', P.direct)],
});

/** The message of the ImportError that parsing `input` throws. */
function refusal(input: unknown): string {
  try {
    parseImportFile(input, NOW);
  } catch (error) {
    if (error instanceof ImportError) return error.message;
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('reading an import file', () => {
  it('accepts the example file of the contract', () => {
    const parsed = parseImportFile(JSON.parse(readFileSync(EXAMPLE, 'utf8')), NOW);
    expect(parsed.partners).toHaveLength(4);
    expect(parsed.customers[0].primaryContact.email).toBe('tania@wingtiptoys.example');
    expect(parsed.acceptances[0]).toMatchObject({ channel: 'IMPORT', scenario: null, dateAgreed: '2019-10-15' });
    expect(parsed.acceptances[0].recordedAt).toEqual(new Date('2019-10-15T09:30:00.000Z'));
  });

  it('accepts the valid file the other tests break', () => {
    expect(() => parseImportFile(file(), NOW)).not.toThrow();
  });

  it('treats a missing section as empty', () => {
    expect(parseImportFile({ partners: partners() }, NOW)).toMatchObject({ agreements: [], offers: [], customers: [], subscriptions: [], acceptances: [] });
  });

  it('refuses an unknown section, naming it', () => {
    expect(refusal({ ...file(), customer: [] })).toBe('Unknown section "customer".');
  });

  it('refuses a file that is not an object, and a section that is not an array', () => {
    expect(refusal([])).toMatch(/JSON object/);
    expect(refusal({ partners: { id: P.direct } })).toMatch(/^partners must be an array/);
  });

  it.each([
    ['partners', 1, 'type', 'RESELLER'],
    ['partners', 0, 'cloud', 'public'],
    ['offers', 1, 'billingType', 'SEAT'],
    ['agreements', 0, 'type', 'MCA'],
    ['acceptances', 0, 'method', 'SIGNATURE'],
  ])('refuses a value outside the enum in %s[%i].%s, naming row and field', (section, index, field, value) => {
    const f: any = file();
    f[section][index][field] = value;
    expect(refusal(f)).toMatch(new RegExp(`^${section}\\[${index}\\]\\.${field} must be one of .*${value}`));
  });

  it('refuses an id that appears twice in a section, naming the second row', () => {
    const f = file();
    f.partners.push({ ...f.partners[0], name: 'Again' });
    expect(refusal(f)).toBe(`partners[6]: id ${P.direct} appears twice in partners.`);
  });

  it('refuses a template id that appears twice in agreements', () => {
    const f = file();
    f.agreements.push(template('MCA-V2', 3));
    expect(refusal(f)).toMatch(/^agreements\[1\]: id MCA-V2 appears twice/);
  });

  it('allows the same id in different sections', () => {
    const f: any = file();
    f.offers[0].id = 'C-1';
    f.subscriptions[0].offerId = 'C-1';
    expect(() => parseImportFile(f, NOW)).not.toThrow();
  });

  it('refuses an attestation without a scenario, and a confirmation with one', () => {
    const attestation = file();
    attestation.acceptances[0] = acceptance('A-1', 'C-1', P.direct, { method: 'ATTESTATION' });
    expect(refusal(attestation)).toMatch(/^acceptances\[0\]\.scenario is required/);
    const confirmation = file();
    confirmation.acceptances[0] = acceptance('A-1', 'C-1', P.direct, { scenario: 'NEW_PARTNER_NEW_PURCHASE' });
    expect(refusal(confirmation)).toMatch(/^acceptances\[0\]\.scenario/);
    const valid = file();
    valid.acceptances[0] = acceptance('A-1', 'C-1', P.direct, { method: 'ATTESTATION', scenario: 'EXISTING_PARTNER_NEW_PURCHASE' });
    expect(parseImportFile(valid, NOW).acceptances[0].scenario).toBe('EXISTING_PARTNER_NEW_PURCHASE');
  });

  it.each([
    ['customers[2].primaryContact.email', (f: any) => (f.customers[2].primaryContact.email = 'not-an-email')],
    ['customers[1].primaryContact.firstName', (f: any) => (f.customers[1].primaryContact.firstName = '  ')],
    ['customers[0].domain', (f: any) => (f.customers[0].domain = 'not a domain')],
    ['customers[0].partnerIds[1]', (f: any) => (f.customers[0].partnerIds = [P.direct, 'bad id!'])],
    ['customers[0].createdAt', (f: any) => (f.customers[0].createdAt = '01/02/2024')],
    ['subscriptions[0].quantity', (f: any) => (f.subscriptions[0].quantity = 0)],
    ['subscriptions[0].autoRenew', (f: any) => (f.subscriptions[0].autoRenew = 'yes')],
    ['acceptances[0].acceptedBy.phoneNumber', (f: any) => (f.acceptances[0].acceptedBy.phoneNumber = 'call me')],
    ['acceptances[0].dateAgreed', (f: any) => (f.acceptances[0].dateAgreed = '2025-02-29')],
    ['acceptances[0].dateAgreed', (f: any) => (f.acceptances[0].dateAgreed = '2026-11-22')],
    ['acceptances[0].recordedAt', (f: any) => (f.acceptances[0].recordedAt = '2026-11-20T12:00:01.000Z')],
    ['acceptances[0].recordedBy.role', (f: any) => (f.acceptances[0].recordedBy.role = 'CEO')],
    ['agreements[0].agreementLink', (f: any) => (f.agreements[0].agreementLink = 'ftp://example.com/mca')],
    ['agreements[0].effectiveDate', (f: any) => (f.agreements[0].effectiveDate = '2025-13-01')],
  ])('names the row and field in the message: %s', (field, breakIt) => {
    const f = file();
    breakIt(f);
    expect(refusal(f).startsWith(field)).toBe(true);
  });

  it('names the row and field when a phone number is given as a JSON number', () => {
    const f: any = file();
    f.customers[1].primaryContact.phoneNumber = 4255550100;
    expect(refusal(f)).toMatch(/^customers\[1\]\.primaryContact\.phoneNumber\b/);
  });

  it('refuses an instant on a day that does not exist rather than moving it to another day', () => {
    const f = file();
    f.customers[0].createdAt = '2024-02-30T10:00:00.000Z';
    expect(refusal(f)).toMatch(/^customers\[0\]\.createdAt\b/);
  });

  it('refuses an instant without a zone, whose meaning would depend on the machine importing it', () => {
    const f = file();
    f.subscriptions[0].createdAt = '2024-02-01T10:00:00';
    expect(refusal(f)).toMatch(/^subscriptions\[0\]\.createdAt\b/);
  });

  it('accepts an instant with a numeric offset', () => {
    const f = file();
    f.subscriptions[0].createdAt = '2024-02-01T10:00:00+09:00';
    expect(parseImportFile(f, NOW).subscriptions[0].createdAt).toEqual(new Date('2024-02-01T01:00:00.000Z'));
  });

  it('accepts a dateAgreed that has begun in UTC+14 though not yet in UTC', () => {
    const f = file();
    f.acceptances[0].dateAgreed = '2026-11-21';
    expect(parseImportFile(f, NOW).acceptances[0].dateAgreed).toBe('2026-11-21');
  });

  it('refuses the first invalid row even when later rows are invalid too', () => {
    const f = file();
    f.customers[1].primaryContact.email = 'bad';
    f.customers[2].primaryContact.email = 'bad';
    expect(refusal(f)).toMatch(/^customers\[1\]\./);
  });
});
