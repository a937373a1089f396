import { contactFromRow } from '../customers/customer.rows';
import { dateValue, instantValue, type Row } from '../shared/db';
import type { Acceptance } from './acceptance.entity';

const NAMES = [
  'id', 'customer_id', 'partner_id', 'template_id', 'agreement_type', 'method', 'channel', 'scenario',
  'accepted_by_first_name', 'accepted_by_last_name', 'accepted_by_email', 'accepted_by_phone_number',
  'date_agreed', 'recorded_by_user_id', 'recorded_by_role', 'recorded_at', 'sequence',
];

export const ACCEPTANCE_COLUMNS = NAMES.map((name) => `a.${name}`).join(', ');

/** The columns of `acceptances a` named with a prefix, to read them beside another table's (`acceptanceFromRow(row, prefix)`). */
export const acceptanceColumnsAs = (prefix: string) => NAMES.map((name) => `a.${name} AS ${prefix}${name}`).join(', ');

export const acceptanceFromRow = (columns: Row, prefix = ''): Acceptance => {
  const row = prefix ? Object.fromEntries(NAMES.map((name) => [name, columns[`${prefix}${name}`]])) : columns;
  return acceptanceOf(row);
};

const acceptanceOf = (row: Row): Acceptance => ({
  id: row.id as string,
  customerId: row.customer_id as string,
  partnerId: row.partner_id as string,
  templateId: row.template_id as string,
  agreementType: row.agreement_type as Acceptance['agreementType'],
  method: row.method as Acceptance['method'],
  channel: row.channel as Acceptance['channel'],
  scenario: (row.scenario as Acceptance['scenario']) ?? null,
  acceptedBy: contactFromRow(row, 'accepted_by'),
  dateAgreed: dateValue(row.date_agreed),
  recordedBy: { userId: row.recorded_by_user_id as string, role: row.recorded_by_role as Acceptance['recordedBy']['role'] },
  recordedAt: instantValue(row.recorded_at),
  sequence: Number(row.sequence),
});
