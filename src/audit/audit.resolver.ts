import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { Guarded } from '../auth/guard';
import { Operation } from '../auth/roles';
import type { Context } from '../graphql/context';
import { type Connection, ConnectionType } from '../shared/pagination';
import { DateTime } from '../shared/scalars';
import { AuditEvent } from './audit-event';

export const AuditEventConnection = ConnectionType('AuditEvent', AuditEvent);

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Query(() => AuditEventConnection, { nullable: true, description: "The caller's partner's audit events, oldest first." })
  @Guarded(Operation.READ_AUDIT)
  auditEvents(
    @Ctx() { caller, em, services }: Context,
    @Arg('customerId', () => ID, { nullable: true, description: 'Only events that name this customer.' }) customerId: string | null,
    @Arg('from', () => DateTime, { nullable: true, description: 'Only events at or after this instant.' }) from: Date | null,
    @Arg('to', () => DateTime, { nullable: true, description: 'Only events before this instant.' }) to: Date | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100, description: '1..500.' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<Connection<AuditEvent>> {
    return services.audit.list(em, caller, { customerId, from, to, first, after });
  }
}
