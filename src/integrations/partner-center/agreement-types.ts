import { AgreementType } from '../../agreements/agreement.entity';
import { badInput } from '../../shared/errors';

/** Partner Center's names of the agreement types (`type`, `agreementType`). */
export const PARTNER_CENTER_TYPE: Readonly<Record<AgreementType, string>> = {
  [AgreementType.MICROSOFT_CUSTOMER_AGREEMENT]: 'MicrosoftCustomerAgreement',
  [AgreementType.MICROSOFT_CLOUD_AGREEMENT]: 'MicrosoftCloudAgreement',
};

const BY_NAME = new Map(Object.entries(PARTNER_CENTER_TYPE).map(([type, name]) => [name.toLowerCase(), type as AgreementType]));
const NAMES = Object.values(PARTNER_CENTER_TYPE).join(', ');

const typeNamed = (name: unknown): AgreementType | undefined => (typeof name === 'string' ? BY_NAME.get(name.trim().toLowerCase()) : undefined);

/** An agreement type by its Partner Center name (case-insensitive), else BAD_USER_INPUT naming `field`. */
export function agreementTypeNamed(name: unknown, field: string): AgreementType {
  const type = typeNamed(name);
  if (!type) throw badInput(field, `must be one of ${NAMES}.`);
  return type;
}

/**
 * The `agreementType` query parameter: one type, `*` for all (null), or
 * `fallback` when absent. `allowAll` false refuses `*`. Given twice, it is
 * refused rather than read as either value.
 */
export function agreementTypeParameter(url: URL, fallback: AgreementType, allowAll: boolean): AgreementType | null {
  const values = url.searchParams.getAll('agreementType');
  if (values.length > 1) throw badInput('agreementType', `must be given at most once (got ${values.length} values).`);
  const value = values[0];
  if (value === undefined || value === '') return fallback;
  if (value === '*') {
    if (allowAll) return null;
    throw badInput('agreementType', `must be one of ${NAMES}; this report covers one agreement type at a time.`);
  }
  const type = typeNamed(value);
  if (!type) throw badInput('agreementType', allowAll ? `must be one of ${NAMES}, or * for every type.` : `must be one of ${NAMES}.`);
  return type;
}
