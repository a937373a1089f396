import { Arg, Ctx, Field, FieldResolver, ID, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { AgreementType } from '../agreements/agreement.entity';
import { OpenToAnySignedInCaller } from '../auth/guard';
import { Customer } from '../customers/customer.entity';
import type { Context } from '../graphql/context';
import { badInput, notFound } from '../shared/errors';
import { requireId } from '../shared/validation';
import { AgreementStatus } from '../status/agreement-status';
import { AgreementStatusCode } from '../status/status';
import { type LiveUpdates, type StatusChangeMessage, statusChanges } from './live-updates';

/** Customer ids one subscription may name. */
export const MAX_SUBSCRIBED_CUSTOMERS = 500;

/** What a subscription's context adds to a request's: the status changes of every server process. */
export interface LiveContext extends Context {
  live: LiveUpdates;
}

@ObjectType({ description: "A customer's status changed.", simpleResolvers: true })
export class AgreementStatusChange {
  customerId!: string;
  agreementType!: AgreementType;

  @Field(() => AgreementStatusCode, { description: 'The status before the change.' })
  previous!: AgreementStatusCode;

  @Field(() => String, { description: 'Why: ACCEPTANCE_RECORDED, NEW_VERSION, REACCEPTANCE_RULE or REQUEST_FINALIZED.' })
  reason!: string;

  @Field(() => Date)
  at!: Date;
}

interface SubscriptionArgs {
  type?: AgreementType | null;
  customerIds?: readonly unknown[] | null;
}

/** The customers a subscription names: well-formed ids, at most MAX_SUBSCRIBED_CUSTOMERS; undefined for all. */
function subscribedCustomers(ids: SubscriptionArgs['customerIds']): string[] | undefined {
  if (ids === undefined || ids === null) return undefined;
  if (ids.length > MAX_SUBSCRIBED_CUSTOMERS) throw badInput('customerIds', `names at most ${MAX_SUBSCRIBED_CUSTOMERS} customers (got ${ids.length}).`);
  return ids.map((id, i) => requireId(id, `customerIds[${i}]`));
}

@Resolver(() => AgreementStatusChange)
export class AgreementStatusChangeResolver {
  @Subscription(() => AgreementStatusChange, {
    description:
      "Status changes of the caller's partner's customers (only these ids when given), as they happen. Over graphql-ws on /graphql; " +
      'the token goes in connection_init\'s payload as { authorization: "Bearer ..." }. Open to any signed-in caller.',
    subscribe: ({ args, context }) => {
      const { type, customerIds } = args as SubscriptionArgs;
      const { caller, live } = context as LiveContext;
      return statusChanges(live, caller.partner.id, {
        agreementType: type ?? AgreementType.MICROSOFT_CUSTOMER_AGREEMENT,
        customerIds: subscribedCustomers(customerIds),
      });
    },
  })
  @OpenToAnySignedInCaller()
  agreementStatusChanged(
    @Root() message: StatusChangeMessage,
    @Arg('type', () => AgreementType, { nullable: true, defaultValue: AgreementType.MICROSOFT_CUSTOMER_AGREEMENT }) _type: AgreementType | null,
    @Arg('customerIds', () => [ID], { nullable: true }) _customerIds: string[] | null,
  ): AgreementStatusChange {
    return {
      customerId: message.customerId,
      agreementType: message.agreementType as AgreementType,
      previous: message.previous as AgreementStatusCode,
      reason: message.reason,
      at: new Date(message.at),
    };
  }

  @FieldResolver(() => Customer)
  async customer(@Root() change: AgreementStatusChange, @Ctx() { loaders }: Context): Promise<Customer> {
    const customer = await loaders.customer.load(change.customerId);
    if (!customer) throw notFound('Customer', change.customerId);
    return customer;
  }

  @FieldResolver(() => AgreementStatus, { description: 'The status now (as Customer.agreementStatus shows it).' })
  status(@Root() change: AgreementStatusChange, @Ctx() { loaders }: Context): Promise<AgreementStatus> {
    return loaders.status(change.agreementType).load(change.customerId);
  }
}
