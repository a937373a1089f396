import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AgreementStatus } from '../acceptances/agreement-status';
import { Acceptance } from '../acceptances/acceptance.entity';
import { historyCursor } from '../acceptances/acceptance-history';
import { AgreementType } from '../agreements/agreement.entity';
import { Guarded, OpenToAnySignedInCaller } from '../auth/guard';
import { Operation } from '../auth/roles';
import { Subscription } from '../orders/subscription.entity';
import type { Context } from '../shared/context';
import { type Connection, connectionOf, ConnectionType, pageSize } from '../shared/pagination';
import { requireId } from '../shared/validation';
import { Customer } from './customer.entity';
import { CreateCustomerInput, CreateCustomerPayload, CustomerFilter } from './customer.inputs';
import { MAX_PAGE } from './customer.service';

export const CustomerConnection = ConnectionType('Customer', Customer);
export const AcceptanceConnection = ConnectionType('Acceptance', Acceptance);

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => Customer, {
    nullable: true,
    description:
      "Open to any signed-in caller. Null when the customer does not exist or has no relationship with the caller's partner.",
  })
  @OpenToAnySignedInCaller()
  customer(@Arg('id', () => ID) id: string, @Ctx() { loaders }: Context): Promise<Customer | null> {
    return loaders.customer.load(requireId(id, 'id'));
  }

  @Query(() => CustomerConnection, {
    description: "Customers related to the caller's partner, by company name then id. Open to any signed-in caller. first: 1..500.",
  })
  @OpenToAnySignedInCaller()
  async customers(
    @Ctx() { caller, services, loaders }: Context,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => CustomerFilter, { nullable: true }) filter: CustomerFilter | null,
  ): Promise<Connection<Customer>> {
    const page = await services.customers.list(caller, { first, after, ...filter });
    const statuses = loaders.status(page.agreementType);
    for (const [id, status] of page.statuses) statuses.prime(id, status);
    for (const customer of page.nodes) loaders.customer.prime(customer.id, customer);
    return page;
  }

  @Mutation(() => CreateCustomerPayload)
  @Guarded(Operation.CREATE_CUSTOMER)
  createCustomer(
    @Arg('input', () => CreateCustomerInput) input: CreateCustomerInput,
    @Ctx() { caller, services }: Context,
  ): Promise<CreateCustomerPayload> {
    return services.customers.create(caller, input);
  }

  @FieldResolver(() => AgreementStatus)
  agreementStatus(
    @Root() customer: Customer,
    @Ctx() { loaders }: Context,
    @Arg('type', () => AgreementType, { defaultValue: AgreementType.MICROSOFT_CUSTOMER_AGREEMENT }) type: AgreementType,
  ): Promise<AgreementStatus> {
    return loaders.status(type).load(customer.id);
  }

  @FieldResolver(() => AcceptanceConnection, {
    nullable: true,
    description:
      "Acceptance history of the caller's partner for this customer, newest first. Null, with a FORBIDDEN error for this field only, when the caller's roles may not read it.",
  })
  @Guarded(Operation.READ_ACCEPTANCES)
  async acceptances(
    @Root() customer: Customer,
    @Ctx() { loaders }: Context,
    @Arg('type', () => AgreementType, { nullable: true }) type: AgreementType | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<Connection<Acceptance>> {
    const args = { customerId: customer.id, type: type ?? null, first: pageSize(first, 50, MAX_PAGE), after: after ?? null };
    const rows = await loaders.history.load(args);
    return connectionOf(rows, args.first, historyCursor, args.after !== null, () =>
      loaders.historyCount.load({ customerId: customer.id, type: args.type }),
    );
  }

  @FieldResolver(() => [Subscription], { description: "Subscriptions this customer holds through the caller's partner." })
  subscriptions(@Root() customer: Customer, @Ctx() { loaders }: Context): Promise<Subscription[]> {
    return loaders.subscriptions.load(customer.id);
  }
}
