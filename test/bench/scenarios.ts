/**
 * The benchmark's requests, shared by the orchestrator (which sends them to
 * both servers) and the baseline (which answers exactly these documents).
 */

export const MCA = 'MICROSOFT_CUSTOMER_AGREEMENT';

/** The date every benchmark confirmation is agreed on: after MCA version 2 took effect, long begun. */
export const CONFIRM_DATE = '2025-09-15';

export const QUERIES = {
  /** a: a page of customers with status codes. */
  page: '{ customers(first: 100) { totalCount nodes { id companyName agreementStatus { status canTransact } } } }',
  /** b: one customer with its status and the current acceptance's signatory and date. */
  customer:
    'query Customer($id: ID!) { customer(id: $id) { id agreementStatus { status canTransact ' +
    'acceptance { dateAgreed acceptedBy { firstName lastName email phoneNumber } } } } }',
  /** c: a page of the customers that have not accepted. */
  notAccepted:
    '{ customers(first: 100, filter: { agreementStatus: NOT_ACCEPTED }) { totalCount nodes { id companyName agreementStatus { status canTransact } } } }',
  /** d: a confirmation, as a partner integration sends it. */
  confirm:
    'mutation Confirm($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { ' +
    'acceptance { id customerId dateAgreed method channel acceptedBy { firstName lastName email phoneNumber } ' +
    'recordedBy { userId role } recordedAt } customer { id companyName } } }',
  /** a without totalCount (scale runs): the page statement alone. */
  pageOnly: '{ customers(first: 100) { nodes { id companyName agreementStatus { status canTransact } } } }',
  /** c without totalCount (scale runs). */
  notAcceptedOnly:
    '{ customers(first: 100, filter: { agreementStatus: NOT_ACCEPTED }) { nodes { id companyName agreementStatus { status canTransact } } } }',
} as const;

export type QueryName = keyof typeof QUERIES;

/** The page size of the list documents above. */
export const PAGE_SIZE = 100;

export interface ContactJson {
  firstName: string;
  lastName: string;
  email: string;
  phoneNumber: string | null;
}

/**
 * The signatory of the n-th benchmark confirmation sent to one server: a new
 * person every time, so that the duplicate rule never refuses a repeat on the
 * same customer (`tag` keeps the two servers' signatories apart).
 */
export const signatory = (tag: string, n: number): ContactJson => ({
  firstName: 'Bench',
  lastName: `Signer ${tag}${n}`,
  email: `signer.${tag}${n}@bench.example`,
  phoneNumber: '+1 425 555 0100',
});

/** The HTTP body of one request: the same bytes go to the product and to the baseline. */
export const requestBody = (query: QueryName, variables?: Record<string, unknown>) =>
  JSON.stringify(variables ? { query: QUERIES[query], variables } : { query: QUERIES[query] });
