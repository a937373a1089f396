import { AcceptanceChannel, AcceptanceMethod } from '../acceptances/acceptance.entity';
import { AgreementType } from '../agreements/agreement.entity';
import { Role } from '../auth/roles';
import { BillingType } from '../orders/offer.entity';
import { CloudInstance, PartnerType } from '../partners/partner.entity';
import type { AcceptanceRequestService } from '../signing/acceptance-request.service';
import type { ImportService, ImportSummary } from './import.service';
import type { AcceptanceRow, CustomerRow, ImportFile, SubscriptionRow } from './import-file';

const MCA_2019 = '117a77b0-9360-443b-8795-c6dedc750cf9';
/** A newer MCA version, published by the demo so that some customers are OUTDATED. */
export const DEMO_MCA_2025 = 'c5d1e7a0-2025-4000-8000-00000000mca2';

/** The texts of the demo's current MCA version: a country's first language is the one its signing page defaults to. */
const DEMO_DOCUMENTS = (
  [
    ['US', 'en-US'],
    ['DE', 'de-DE'],
    ['DE', 'en-US'],
    ['KR', 'ko-KR'],
    ['KR', 'en-US'],
    ['FR', 'fr-FR'],
    ['GB', 'en-GB'],
  ] as const
).map(([country, language]) => ({
  country,
  language,
  displayUri: `https://www.microsoft.com/${language.toLowerCase()}/licensing/docs/customeragreement`,
  downloadUri: `https://download.example.com/mca/2025/${country}/${language}.pdf`,
}));

const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const partnerId = (n: number) => id('a1b2c3d4', n);

/** Contoso CSP: direct-bill, public cloud; `npm start` prints a token for it. */
export const DEMO_PARTNER_ID = partnerId(1);

const PARTNERS = [
  { id: partnerId(1), name: 'Contoso CSP', type: PartnerType.DIRECT_BILL, cloud: CloudInstance.PUBLIC },
  { id: partnerId(2), name: 'Fabrikam Distribution', type: PartnerType.INDIRECT_PROVIDER, cloud: CloudInstance.PUBLIC },
  { id: partnerId(3), name: 'Tailspin Reseller', type: PartnerType.INDIRECT_RESELLER, cloud: CloudInstance.PUBLIC },
  { id: partnerId(4), name: 'Northwind Gov', type: PartnerType.DIRECT_BILL, cloud: CloudInstance.US_GOVERNMENT },
  { id: partnerId(5), name: 'Adatum Deutschland', type: PartnerType.DIRECT_BILL, cloud: CloudInstance.GERMANY },
  { id: partnerId(6), name: 'Litware 21Vianet', type: PartnerType.INDIRECT_PROVIDER, cloud: CloudInstance.CHINA_21VIANET },
  { id: partnerId(7), name: 'Proseware Reseller', type: PartnerType.INDIRECT_RESELLER, cloud: CloudInstance.PUBLIC },
  { id: partnerId(8), name: 'Wide World Gov Reseller', type: PartnerType.INDIRECT_RESELLER, cloud: CloudInstance.US_GOVERNMENT },
];

/** Which partners each demo customer (0..199) is related to. */
const RELATED: [number, number, number][] = [
  // partner, first customer, last customer + 1
  [1, 0, 150],
  [2, 100, 160],
  [3, 140, 170],
  [4, 150, 200],
  [5, 180, 200],
  [6, 190, 200],
  [7, 160, 170],
  [8, 195, 200],
];

const OFFERS = [
  { id: 'CFQ7TTC0LH18', name: 'Microsoft 365 Business Basic', billingType: BillingType.LICENSE },
  { id: 'CFQ7TTC0LDPB', name: 'Microsoft 365 Business Standard', billingType: BillingType.LICENSE },
  { id: 'CFQ7TTC0LFLX', name: 'Microsoft 365 E3', billingType: BillingType.LICENSE },
  { id: 'DZH318Z0BPS6', name: 'Azure plan', billingType: BillingType.USAGE },
];

const FIRST = ['Alpine', 'Blue Yonder', 'Coho', 'Datum', 'Fourth Coffee', 'Graphic', 'Humongous', 'Lamna', 'Lucerne', 'Margie',
  'Nod', 'Relecloud', 'Southridge', 'Trey', 'VanArsdel', 'Wingtip', 'Woodgrove', 'Adventure', 'Bellows', 'Contoso'];
const SECOND = ['Airlines', 'Bank', 'Consulting', 'Design', 'Foods', 'Health', 'Media', 'Research', 'Toys', 'Winery'];
const GIVEN = ['Tania', 'Ravi', 'Mei', 'Jonas', 'Amara', 'Lucas', 'Sofia', 'Kenji', 'Nadia', 'Omar', 'Ines', 'Pavel'];
const FAMILY = ['Carr', 'Patel', 'Chen', 'Berg', 'Okafor', 'Silva', 'Rossi', 'Sato', 'Haddad', 'Novak', 'Garcia', 'Moreau'];

/**
 * The demo data set: eight partners of every type and cloud, 200 customers.
 * Contoso CSP sees 150 of them, 50 in each of ACCEPTED, OUTDATED and
 * NOT_ACCEPTED; Northwind Gov sees 50 that are NOT_APPLICABLE.
 */
export function demoData(): Required<ImportFile> {
  const customers: CustomerRow[] = [];
  const subscriptions: SubscriptionRow[] = [];
  const acceptances: AcceptanceRow[] = [];
  for (let n = 0; n < 200; n++) {
    const companyName = `${FIRST[n % FIRST.length]} ${SECOND[Math.floor(n / FIRST.length) % SECOND.length]}`;
    const slug = companyName.toLowerCase().replace(/[^a-z0-9]+/g, '');
    const [firstName, lastName] = [GIVEN[n % GIVEN.length], FAMILY[(n * 7) % FAMILY.length]];
    const partners = RELATED.filter(([, from, to]) => n >= from && n < to).map(([p]) => partnerId(p));
    customers.push({
      id: id('c0ffee00', n),
      companyName,
      domain: `${slug}${n}.onmicrosoft.com`,
      primaryContact: { firstName, lastName, email: `${firstName}.${lastName}@${slug}.example`.toLowerCase(), phoneNumber: `+1 425 555 ${String(1000 + n)}` },
      partnerIds: partners,
      createdAt: new Date(Date.UTC(2019, n % 12, 1 + (n % 28), 9)),
    });
    const subscribe = (partner: number, offer: number, quantity: number | null) =>
      subscriptions.push({
        id: id(`5b5c${String(partner).padStart(4, '0')}`, n),
        customerId: id('c0ffee00', n),
        partnerId: partnerId(partner),
        offerId: OFFERS[offer].id,
        quantity,
        autoRenew: n % 4 !== 0,
        createdAt: new Date(Date.UTC(2020, n % 12, 1)),
      });
    if (n < 150 && (n % 3 !== 2 || n < 30)) subscribe(1, n % 3, 5 + (n % 40));
    if (n >= 100 && n < 160) subscribe(2, 3, null);
    if (n >= 150 && n < 200) subscribe(4, 2, 10 + n);

    const accept = (partner: number, template: string, day: string, seq: number) =>
      acceptances.push({
        id: id(`acce${String(partner).padStart(2, '0')}${seq}0`, n),
        customerId: id('c0ffee00', n),
        partnerId: partnerId(partner),
        templateId: template,
        method: AcceptanceMethod.CONFIRMATION,
        channel: AcceptanceChannel.IMPORT,
        scenario: null,
        acceptedBy: { firstName, lastName, email: `${firstName}.${lastName}@${slug}.example`.toLowerCase(), phoneNumber: null },
        dateAgreed: day,
        recordedBy: { userId: 'demo-import', role: Role.ADMIN_AGENT },
        recordedAt: new Date(`${day}T10:00:00.000Z`),
      });
    if (n < 150 && n % 3 !== 2) accept(1, MCA_2019, `202${n % 5}-0${1 + (n % 9)}-15`, 1);
    if (n < 150 && n % 3 === 0) accept(1, DEMO_MCA_2025, `2025-${String(7 + (n % 6)).padStart(2, '0')}-0${1 + (n % 9)}`, 2);
    if (n >= 100 && n < 160 && n % 2 === 0) accept(2, DEMO_MCA_2025, '2025-09-10', 1);
  }
  return {
    partners: PARTNERS,
    agreements: [
      {
        templateId: DEMO_MCA_2025,
        type: AgreementType.MICROSOFT_CUSTOMER_AGREEMENT,
        agreementLink: 'https://aka.ms/customeragreement',
        versionRank: 2,
        effectiveDate: '2025-06-01',
        retired: false,
        // Acceptances of it from before August 2025 must be renewed by March 2027: their statuses show outdatedFrom.
        reacceptance: { acceptedBefore: '2025-08-01', outdatedFrom: '2027-03-01' },
        documents: DEMO_DOCUMENTS,
      },
    ],
    offers: OFFERS,
    customers,
    subscriptions,
    acceptances,
  };
}

/** The demo's pending acceptance request: Contoso CSP asks Southridge Bank (NOT_ACCEPTED) to accept, in German. */
export const DEMO_REQUEST = { id: 'demo-acceptance-request-1', partnerId: DEMO_PARTNER_ID, customerId: id('c0ffee00', 32), userId: 'demo-admin' } as const;

/**
 * Loads the demo set; with `onlyIfEmpty`, only into a database without partners. Returns whether
 * it loaded. With `requests`, adds the pending acceptance request whose link `npm start` prints.
 */
export async function loadDemoData(imports: ImportService, options: { onlyIfEmpty: boolean }, requests?: AcceptanceRequestService): Promise<ImportSummary | null> {
  if (options.onlyIfEmpty && !(await imports.empty())) return null;
  const summary = await imports.run(demoData());
  await requests?.addDemoRequest(DEMO_REQUEST);
  return summary;
}
