import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AgreementType } from '../agreements/agreement.entity';
import { Guarded, OpenToAnySignedInCaller } from '../auth/guard';
import { Operation } from '../auth/roles';
import type { Context } from '../graphql/context';
import { type Connection, ConnectionType } from '../shared/pagination';
import { requireId } from '../shared/validation';
import { AgreementStatus } from '../status/agreement-status';
import { Customer } from './customer.entity';
import { CreateCustomerInput, CreateCustomerPayload, CustomerFilter } from './customer.inputs';

export const CustomerConnection = ConnectionType('Customer', Customer);

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
    @Ctx() { caller, em, services, loaders }: Context,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => CustomerFilter, { nullable: true }) filter: CustomerFilter | null,
  ): Promise<Connection<Customer>> {
    const page = await services.customers.list(em, caller, { first, after, ...filter });
    const statuses = loaders.status(page.agreementType);
    for (const [id, status] of page.statuses) statuses.prime(id, status);
    for (const customer of page.nodes) loaders.customer.prime(customer.id, customer);
    return page;
  }

  @Mutation(() => CreateCustomerPayload)
  @Guarded(Operation.CREATE_CUSTOMER)
  createCustomer(
    @Arg('input', () => CreateCustomerInput) input: CreateCustomerInput,
    @Ctx() { caller, em, services }: Context,
  ): Promise<CreateCustomerPayload> {
    return services.customers.create(em, caller, input);
  }

  @FieldResolver(() => AgreementStatus)
  agreementStatus(
    @Root() customer: Customer,
    @Ctx() { loaders }: Context,
    @Arg('type', () => AgreementType, { defaultValue: AgreementType.MICROSOFT_CUSTOMER_AGREEMENT }) type: AgreementType,
  ): Promise<AgreementStatus> {
    return loaders.status(type).load(customer.id);
  }
}
