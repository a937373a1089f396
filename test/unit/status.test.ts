import { AgreementStatusCode, canTransact, statusOf as agreementStatus } from '../../src/status/status';
import { type AgreementTemplate, AgreementType } from '../../src/agreements/agreement.entity';
import { latestTemplate } from '../../src/agreements/templates';
import { CloudInstance } from '../../src/partners/partner.entity';

const { ACCEPTED, OUTDATED, NOT_ACCEPTED, NOT_APPLICABLE } = AgreementStatusCode;
const MCA = AgreementType.MICROSOFT_CUSTOMER_AGREEMENT;
const CLOUD_AGREEMENT = AgreementType.MICROSOFT_CLOUD_AGREEMENT;

const template = (templateId: string, versionRank: number, overrides: Partial<AgreementTemplate> = {}): AgreementTemplate => ({
  templateId,
  type: MCA,
  agreementLink: 'https://aka.ms/customeragreement',
  versionRank,
  effectiveDate: '2019-10-01',
  retired: false,
  ...overrides,
});

describe('agreement status', () => {
  it('is ACCEPTED when the current record is of the latest template', () => {
    expect(agreementStatus(CloudInstance.PUBLIC, 'v2', 'v2')).toBe(ACCEPTED);
  });

  it('is OUTDATED when the current record is of another template', () => {
    expect(agreementStatus(CloudInstance.PUBLIC, 'v1', 'v2')).toBe(OUTDATED);
  });

  it('is OUTDATED when there is a record but no version is current any more', () => {
    expect(agreementStatus(CloudInstance.PUBLIC, 'v1', null)).toBe(OUTDATED);
  });

  it('is NOT_ACCEPTED when there is no record', () => {
    expect(agreementStatus(CloudInstance.PUBLIC, null, 'v2')).toBe(NOT_ACCEPTED);
    expect(agreementStatus(CloudInstance.PUBLIC, null, null)).toBe(NOT_ACCEPTED);
  });

  it.each([CloudInstance.US_GOVERNMENT, CloudInstance.GERMANY, CloudInstance.CHINA_21VIANET])(
    'is NOT_APPLICABLE in the %s cloud, with or without a record',
    (cloud) => {
      expect(agreementStatus(cloud, null, 'v2')).toBe(NOT_APPLICABLE);
      expect(agreementStatus(cloud, 'v2', 'v2')).toBe(NOT_APPLICABLE);
      expect(agreementStatus(cloud, 'v1', 'v2')).toBe(NOT_APPLICABLE);
    },
  );
});

describe('canTransact', () => {
  it.each([
    [ACCEPTED, true],
    [NOT_APPLICABLE, true],
    [OUTDATED, false],
    [NOT_ACCEPTED, false],
  ])('is %s -> %s', (status, expected) => {
    expect(canTransact(status)).toBe(expected);
  });
});

describe('the latest template of a type', () => {
  it('is the non-retired template of highest rank, whatever the order given', () => {
    const templates = [template('v1', 1), template('v3', 3), template('v2', 2)];
    expect(latestTemplate(templates, MCA)?.templateId).toBe('v3');
    expect(latestTemplate([...templates].reverse(), MCA)?.templateId).toBe('v3');
  });

  it('skips a retired template even when its rank is highest', () => {
    const templates = [template('v1', 1), template('v3', 3, { retired: true }), template('v2', 2)];
    expect(latestTemplate(templates, MCA)?.templateId).toBe('v2');
  });

  it('ignores templates of other types', () => {
    const templates = [template('mca-1', 1), template('cloud-9', 9, { type: CLOUD_AGREEMENT })];
    expect(latestTemplate(templates, MCA)?.templateId).toBe('mca-1');
    expect(latestTemplate(templates, CLOUD_AGREEMENT)?.templateId).toBe('cloud-9');
  });

  it('is null when the type has no template, or only retired ones', () => {
    expect(latestTemplate([template('cloud-1', 1, { type: CLOUD_AGREEMENT })], MCA)).toBeNull();
    expect(latestTemplate([template('v1', 1, { retired: true })], MCA)).toBeNull();
    expect(latestTemplate([], MCA)).toBeNull();
  });
});
