import { instantValue, type Row } from '../shared/db';
import type { Contact } from './contact';
import type { Customer } from './customer.entity';

/** Columns of `customers c` in the order `customerFromRow` reads them. */
export const CUSTOMER_COLUMNS =
  'c.id, c.company_name, c.domain, c.contact_first_name, c.contact_last_name, c.contact_email, c.contact_phone_number, c.created_at';

export const contactFromRow = (row: Row, prefix: string): Contact => ({
  firstName: row[`${prefix}_first_name`] as string,
  lastName: row[`${prefix}_last_name`] as string,
  email: row[`${prefix}_email`] as string,
  phoneNumber: (row[`${prefix}_phone_number`] as string | null) ?? null,
});

export const customerFromRow = (row: Row): Customer => ({
  id: row.id as string,
  companyName: row.company_name as string,
  domain: row.domain as string,
  primaryContact: contactFromRow(row, 'contact'),
  createdAt: instantValue(row.created_at),
});
