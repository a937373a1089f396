import type { Partner } from '../partners/partner.entity';
import { forbidden } from '../shared/errors';
import { ACCESS, type Operation, type Role, roleUsed } from './roles';

/** The signed-in user on whose behalf a service acts. Services take it explicitly. */
export interface Caller {
  userId: string;
  roles: readonly Role[];
  partner: Partner;
}

/** Refuses with FORBIDDEN unless the caller holds one of the operation's roles; returns the role used. */
export function requireRole(caller: Caller, operation: Operation): Role {
  const role = roleUsed(operation, caller.roles);
  if (!role) {
    const rule = ACCESS[operation];
    throw forbidden(`To ${rule.description} you need one of the roles ${rule.roles.join(', ')}.`);
  }
  return role;
}

/** Role check, then partner type check (an indirect reseller may not confirm or attest). */
export function requireAccess(caller: Caller, operation: Operation): Role {
  const role = requireRole(caller, operation);
  const rule = ACCESS[operation];
  if (!rule.partnerTypes.includes(caller.partner.type)) {
    const article = /^[AEIOU]/.test(caller.partner.type) ? 'An' : 'A';
    throw forbidden(`${article} ${caller.partner.type} partner may not ${rule.description}.`);
  }
  return role;
}

/** Whether the caller may perform the operation: one of its roles, and a partner type it allows. */
export const mayPerform = (caller: Caller, operation: Operation): boolean =>
  roleUsed(operation, caller.roles) !== undefined && ACCESS[operation].partnerTypes.includes(caller.partner.type);
