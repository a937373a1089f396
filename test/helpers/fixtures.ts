/** Small factories for import-format rows; every field can be overridden. */

export const MCA_V1 = '117a77b0-9360-443b-8795-c6dedc750cf9';
export const MCLOUD = '998b88de-aa99-4388-a42c-1b3517d49490';

export const P = {
  direct: 'p-direct',
  provider: 'p-provider',
  reseller: 'p-reseller',
  gov: 'p-gov',
  china: 'p-china',
  other: 'p-other',
} as const;

export const partners = () => [
  { id: P.direct, name: 'Direct Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' },
  { id: P.provider, name: 'Provider Partner', type: 'INDIRECT_PROVIDER', cloud: 'PUBLIC' },
  { id: P.reseller, name: 'Reseller Partner', type: 'INDIRECT_RESELLER', cloud: 'PUBLIC' },
  { id: P.gov, name: 'Gov Partner', type: 'DIRECT_BILL', cloud: 'US_GOVERNMENT' },
  { id: P.china, name: 'China Partner', type: 'INDIRECT_PROVIDER', cloud: 'CHINA_21VIANET' },
  { id: P.other, name: 'Other Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' },
];

export const OFFER = { licence: 'OFFER-LIC', usage: 'OFFER-USAGE' } as const;

export const offers = () => [
  { id: OFFER.licence, name: 'Microsoft 365 Business Basic', billingType: 'LICENSE' },
  { id: OFFER.usage, name: 'Azure plan', billingType: 'USAGE' },
];

export const contact = (overrides: Record<string, unknown> = {}) => ({
  firstName: 'Tania',
  lastName: 'Carr',
  email: 'tania@wingtiptoys.example',
  phoneNumber: '+1 (425) 555-0100',
  ...overrides,
});

export const customer = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  companyName: `Company ${id}`,
  domain: `${id.toLowerCase()}.onmicrosoft.com`,
  primaryContact: contact({ email: `admin@${id.toLowerCase()}.example` }),
  partnerIds: [P.direct],
  createdAt: '2024-01-01T00:00:00.000Z',
  ...overrides,
});

export const subscription = (id: string, customerId: string, partnerId: string, overrides: Record<string, unknown> = {}) => ({
  id,
  customerId,
  partnerId,
  offerId: OFFER.licence,
  quantity: 10,
  autoRenew: true,
  createdAt: '2024-02-01T00:00:00.000Z',
  ...overrides,
});

export const acceptance = (id: string, customerId: string, partnerId: string, overrides: Record<string, unknown> = {}) => ({
  id,
  customerId,
  partnerId,
  templateId: MCA_V1,
  method: 'CONFIRMATION',
  acceptedBy: contact(),
  dateAgreed: '2024-03-01',
  recordedBy: { userId: 'import', role: 'ADMIN_AGENT' },
  recordedAt: '2024-03-01T10:00:00.000Z',
  ...overrides,
});

export const template = (templateId: string, versionRank: number, overrides: Record<string, unknown> = {}) => ({
  templateId,
  type: 'MICROSOFT_CUSTOMER_AGREEMENT',
  agreementLink: 'https://aka.ms/customeragreement',
  versionRank,
  effectiveDate: '2025-01-01',
  retired: false,
  ...overrides,
});
