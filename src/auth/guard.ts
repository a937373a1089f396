import { type AuthCheckerFn, Authorized, Directive, Extensions } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { type Caller, requireRole } from './caller';
import { ACCESS, type Operation } from './roles';

type FieldDecorator = (prototype: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor) => void;

/** Marks how a field is guarded, for the schema test: every Query and Mutation field has one. */
export type FieldAccess = { operation: Operation } | { openToAnySignedInCaller: true };

/**
 * Guards a field with an operation of the role table: prints
 * `@auth(requires: [...])` in the schema and enforces the same roles.
 */
export function Guarded(operation: Operation): FieldDecorator {
  const roles = ACCESS[operation].roles;
  const access: FieldAccess = { operation };
  return (prototype, key, descriptor) => {
    Authorized(operation)(prototype, key, descriptor as never);
    Directive(`@auth(requires: [${roles.join(', ')}])`)(prototype, key, descriptor as never);
    Extensions({ access })(prototype, key, descriptor as never);
  };
}

/** Says, on purpose, that any signed-in caller of any role may use a field. */
export function OpenToAnySignedInCaller(): FieldDecorator {
  const access: FieldAccess = { openToAnySignedInCaller: true };
  return (prototype, key, descriptor) => Extensions({ access })(prototype, key, descriptor as never);
}

/**
 * type-graphql's check for `Guarded` fields: FORBIDDEN, as a field error,
 * without the role. A mutation refused here is an attempt all the same, and
 * goes into the audit trail (naming the customer its input names).
 */
export const authChecker: AuthCheckerFn<GuardContext, Operation> = ({ context, info, args }, [operation]) => {
  try {
    requireRole(context.caller, operation);
    return true;
  } catch (refusal) {
    if (info.parentType !== info.schema.getMutationType()) throw refusal;
    const named = { customerId: (args.input as { customerId?: unknown } | undefined)?.customerId };
    return context.services.audit.refused(context.em, context.caller, operation, named, refusal).then(() => {
      throw refusal;
    });
  }
};

/** What the role check needs of a request: the caller, its unit of work, and the audit trail for a refused mutation. */
export interface GuardContext {
  caller: Caller;
  em: EntityManager;
  services: { audit: { refused(em: EntityManager, caller: Caller, operation: Operation, named: { customerId?: unknown }, error: unknown): Promise<void> } };
}
