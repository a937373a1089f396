import { AgreementStatusCode, canTransact, type Standing, type StatusBasis, statusOf } from '../../src/status/status';
import { type AgreementTemplate, AgreementType } from '../../src/agreements/agreement.entity';
import { latestTemplate, nextVersion } from '../../src/agreements/templates';
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

const TODAY = '2026-06-15';
const basis = (latestTemplateId: string | null, extra: Partial<StatusBasis> = {}): StatusBasis => ({
  latestTemplateId,
  rule: null,
  nextVersionFrom: null,
  today: TODAY,
  ...extra,
});
const standing = (templateId: string, acceptedBeforeRule = false): Standing => ({ templateId, acceptedBeforeRule });
const agreementStatus = (cloud: CloudInstance, current: Standing | null, on: StatusBasis) => statusOf(cloud, current, on).status;

describe('agreement status', () => {
  it('is ACCEPTED when the current record is of the latest template', () => {
    expect(agreementStatus(CloudInstance.PUBLIC, standing('v2'), basis('v2'))).toBe(ACCEPTED);
  });

  it('is OUTDATED when the current record is of another template', () => {
    expect(agreementStatus(CloudInstance.PUBLIC, standing('v1'), basis('v2'))).toBe(OUTDATED);
  });

  it('is OUTDATED when there is a record but no version is current any more', () => {
    expect(agreementStatus(CloudInstance.PUBLIC, standing('v1'), basis(null))).toBe(OUTDATED);
  });

  it('is NOT_ACCEPTED when there is no record', () => {
    expect(agreementStatus(CloudInstance.PUBLIC, null, basis('v2'))).toBe(NOT_ACCEPTED);
    expect(agreementStatus(CloudInstance.PUBLIC, null, basis(null))).toBe(NOT_ACCEPTED);
  });

  it.each([CloudInstance.US_GOVERNMENT, CloudInstance.GERMANY, CloudInstance.CHINA_21VIANET])(
    'is NOT_APPLICABLE in the %s cloud, with or without a record',
    (cloud) => {
      expect(agreementStatus(cloud, null, basis('v2'))).toBe(NOT_APPLICABLE);
      expect(agreementStatus(cloud, standing('v2'), basis('v2'))).toBe(NOT_APPLICABLE);
      expect(agreementStatus(cloud, standing('v1'), basis('v2'))).toBe(NOT_APPLICABLE);
    },
  );
});

describe('a re-acceptance rule', () => {
  const rule = (outdatedFrom: string) => basis('v2', { rule: { outdatedFrom } });

  it('makes an acceptance under it OUTDATED from its day on, not before', () => {
    expect(statusOf(CloudInstance.PUBLIC, standing('v2', true), rule('2026-06-16'))).toEqual({ status: ACCEPTED, outdatedFrom: '2026-06-16' });
    expect(statusOf(CloudInstance.PUBLIC, standing('v2', true), rule(TODAY))).toEqual({ status: OUTDATED, outdatedFrom: null });
  });

  it('leaves an acceptance not under it ACCEPTED, without a day', () => {
    expect(statusOf(CloudInstance.PUBLIC, standing('v2', false), rule(TODAY))).toEqual({ status: ACCEPTED, outdatedFrom: null });
    expect(statusOf(CloudInstance.PUBLIC, standing('v2', false), rule('2026-07-01'))).toEqual({ status: ACCEPTED, outdatedFrom: null });
  });

  it('counts only while the version it belongs to is the latest', () => {
    expect(statusOf(CloudInstance.PUBLIC, standing('v2', true), basis('v2'))).toEqual({ status: ACCEPTED, outdatedFrom: null });
  });
});

describe('outdatedFrom', () => {
  it('is the day the next version takes effect, for an acceptance of the latest', () => {
    expect(statusOf(CloudInstance.PUBLIC, standing('v2'), basis('v2', { nextVersionFrom: '2026-09-01' }))).toEqual({ status: ACCEPTED, outdatedFrom: '2026-09-01' });
  });

  it('is the earlier of the next version and the rule', () => {
    const both = (ruleDay: string) => basis('v2', { nextVersionFrom: '2026-09-01', rule: { outdatedFrom: ruleDay } });
    expect(statusOf(CloudInstance.PUBLIC, standing('v2', true), both('2026-08-01')).outdatedFrom).toBe('2026-08-01');
    expect(statusOf(CloudInstance.PUBLIC, standing('v2', true), both('2026-10-01')).outdatedFrom).toBe('2026-09-01');
  });

  it('is null for a status that is not ACCEPTED', () => {
    expect(statusOf(CloudInstance.PUBLIC, standing('v1'), basis('v2', { nextVersionFrom: '2026-09-01' })).outdatedFrom).toBeNull();
    expect(statusOf(CloudInstance.PUBLIC, null, basis('v2', { nextVersionFrom: '2026-09-01' })).outdatedFrom).toBeNull();
    expect(statusOf(CloudInstance.GERMANY, standing('v2'), basis('v2', { nextVersionFrom: '2026-09-01' })).outdatedFrom).toBeNull();
  });
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
    expect(latestTemplate(templates, MCA, TODAY)?.templateId).toBe('v3');
    expect(latestTemplate([...templates].reverse(), MCA, TODAY)?.templateId).toBe('v3');
  });

  it('skips a retired template even when its rank is highest', () => {
    const templates = [template('v1', 1), template('v3', 3, { retired: true }), template('v2', 2)];
    expect(latestTemplate(templates, MCA, TODAY)?.templateId).toBe('v2');
  });

  it('ignores templates of other types', () => {
    const templates = [template('mca-1', 1), template('cloud-9', 9, { type: CLOUD_AGREEMENT })];
    expect(latestTemplate(templates, MCA, TODAY)?.templateId).toBe('mca-1');
    expect(latestTemplate(templates, CLOUD_AGREEMENT, TODAY)?.templateId).toBe('cloud-9');
  });

  it('is null when the type has no template, or only retired ones', () => {
    expect(latestTemplate([template('cloud-1', 1, { type: CLOUD_AGREEMENT })], MCA, TODAY)).toBeNull();
    expect(latestTemplate([template('v1', 1, { retired: true })], MCA, TODAY)).toBeNull();
    expect(latestTemplate([], MCA, TODAY)).toBeNull();
  });

  it('is one in effect: a version published for a later day is not the latest before that day begins', () => {
    const templates = [template('v1', 1), template('v2', 2, { effectiveDate: '2026-06-16' })];
    expect(latestTemplate(templates, MCA, TODAY)?.templateId).toBe('v1');
    expect(latestTemplate(templates, MCA, '2026-06-16')?.templateId).toBe('v2');
    expect(nextVersion(templates, MCA, template('v1', 1), TODAY)?.templateId).toBe('v2');
    expect(nextVersion(templates, MCA, template('v1', 1), '2026-06-16')).toBeNull();
  });
});
