import { registerEnumType } from 'type-graphql';
import { PartnerType } from '../partners/partner.entity';

/** Partner Center user roles that this API recognises (token claim `roles`). */
export enum Role {
  GLOBAL_ADMIN = 'GLOBAL_ADMIN',
  ADMIN_AGENT = 'ADMIN_AGENT',
  SALES_AGENT = 'SALES_AGENT',
  HELPDESK_AGENT = 'HELPDESK_AGENT',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'Partner Center user roles that this API recognises (token claim `roles`).',
});

export const ALL_ROLES: readonly Role[] = Object.values(Role);

export const isRole = (name: unknown): name is Role => ALL_ROLES.includes(name as Role);

/** Guarded operations. Anything not listed here is open to any signed-in caller. */
export enum Operation {
  CONFIRM_ACCEPTANCE = 'CONFIRM_ACCEPTANCE',
  ATTEST_ACCEPTANCE = 'ATTEST_ACCEPTANCE',
  CREATE_CUSTOMER = 'CREATE_CUSTOMER',
  CREATE_ORDER = 'CREATE_ORDER',
  CHANGE_SEAT_COUNT = 'CHANGE_SEAT_COUNT',
  READ_ACCEPTANCES = 'READ_ACCEPTANCES',
  READ_AUDIT = 'READ_AUDIT',
  REQUEST_CUSTOMER_ACCEPTANCE = 'REQUEST_CUSTOMER_ACCEPTANCE',
  RENEW_ACCEPTANCE_REQUEST = 'RENEW_ACCEPTANCE_REQUEST',
  CANCEL_ACCEPTANCE_REQUEST = 'CANCEL_ACCEPTANCE_REQUEST',
  FINALIZE_ACCEPTANCE_REQUEST = 'FINALIZE_ACCEPTANCE_REQUEST',
  READ_ACCEPTANCE_REQUESTS = 'READ_ACCEPTANCE_REQUESTS',
  MANAGE_WEBHOOKS = 'MANAGE_WEBHOOKS',
}

export interface AccessRule {
  /** Any one suffices; the first one the caller holds is the role recorded. */
  roles: readonly Role[];
  partnerTypes: readonly PartnerType[];
  /** How the refusal reads. */
  description: string;
}

const TRANSACTING_PARTNERS = [PartnerType.DIRECT_BILL, PartnerType.INDIRECT_PROVIDER] as const;
const ALL_PARTNERS = Object.values(PartnerType);
const SELLERS = [Role.ADMIN_AGENT, Role.SALES_AGENT] as const;
/** Who may ask a customer's signatory to accept through a link, and follow the request up. */
const REQUESTERS = [Role.GLOBAL_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT, Role.HELPDESK_AGENT] as const;

/**
 * The role table (README, "Tokens and roles"). The `@auth` directives in the
 * served schema and every check, GraphQL or not, read this one table.
 */
export const ACCESS: Readonly<Record<Operation, AccessRule>> = {
  [Operation.CONFIRM_ACCEPTANCE]: { roles: SELLERS, partnerTypes: TRANSACTING_PARTNERS, description: 'confirm acceptance' },
  [Operation.CREATE_CUSTOMER]: { roles: SELLERS, partnerTypes: TRANSACTING_PARTNERS, description: 'create a customer' },
  [Operation.CREATE_ORDER]: { roles: SELLERS, partnerTypes: TRANSACTING_PARTNERS, description: 'create an order' },
  [Operation.CHANGE_SEAT_COUNT]: { roles: SELLERS, partnerTypes: TRANSACTING_PARTNERS, description: 'change a seat count' },
  [Operation.ATTEST_ACCEPTANCE]: {
    roles: [Role.GLOBAL_ADMIN, Role.ADMIN_AGENT, Role.HELPDESK_AGENT],
    partnerTypes: TRANSACTING_PARTNERS,
    description: "attest acceptance on the customer's behalf",
  },
  [Operation.READ_ACCEPTANCES]: { roles: SELLERS, partnerTypes: ALL_PARTNERS, description: 'read acceptance records' },
  [Operation.REQUEST_CUSTOMER_ACCEPTANCE]: { roles: REQUESTERS, partnerTypes: TRANSACTING_PARTNERS, description: 'request customer acceptance' },
  [Operation.RENEW_ACCEPTANCE_REQUEST]: { roles: REQUESTERS, partnerTypes: TRANSACTING_PARTNERS, description: 'renew an acceptance request' },
  [Operation.CANCEL_ACCEPTANCE_REQUEST]: { roles: REQUESTERS, partnerTypes: TRANSACTING_PARTNERS, description: 'cancel an acceptance request' },
  [Operation.FINALIZE_ACCEPTANCE_REQUEST]: { roles: REQUESTERS, partnerTypes: TRANSACTING_PARTNERS, description: 'finalize an acceptance request' },
  [Operation.READ_ACCEPTANCE_REQUESTS]: { roles: REQUESTERS, partnerTypes: ALL_PARTNERS, description: 'read acceptance requests' },
  [Operation.READ_AUDIT]: {
    roles: [Role.GLOBAL_ADMIN, Role.ADMIN_AGENT],
    partnerTypes: ALL_PARTNERS,
    description: 'read the audit trail',
  },
  [Operation.MANAGE_WEBHOOKS]: {
    roles: [Role.GLOBAL_ADMIN, Role.ADMIN_AGENT],
    partnerTypes: ALL_PARTNERS,
    description: 'manage webhook endpoints',
  },
};

/** The role an operation is performed under: the first of the rule's roles that the caller holds. */
export const roleUsed = (operation: Operation, held: readonly Role[]): Role | undefined =>
  ACCESS[operation].roles.find((role) => held.includes(role));
