import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Acceptance } from '../acceptances/acceptance.entity';
import { AgreementTemplate } from '../agreements/agreement.entity';
import { Guarded } from '../auth/guard';
import { Operation } from '../auth/roles';
import { ContactInput } from '../customers/contact';
import { Customer } from '../customers/customer.entity';
import type { Context } from '../graphql/context';
import { type Connection, ConnectionType } from '../shared/pagination';
import { AgreementStatus } from '../status/agreement-status';
import { AcceptanceRequest, AcceptanceRequestStatus, FinalizeMode } from './acceptance-request.entity';
import { MAX_EXPIRY_MINUTES } from './acceptance-request.service';

export const AcceptanceRequestConnection = ConnectionType('AcceptanceRequest', AcceptanceRequest);

@InputType()
export class RequestCustomerAcceptanceInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => ID, { nullable: true, description: 'Default: the latest Microsoft Customer Agreement.' })
  templateId?: string | null;

  @Field(() => ContactInput, { nullable: true, description: "Default: the customer's primary contact." })
  signatory?: ContactInput | null;

  @Field(() => String, { description: "Where the customer is: picks the agreement's text. ISO 3166-1 alpha-2." })
  country!: string;

  @Field(() => String, { nullable: true, description: "Default: the country's first language among the version's documents." })
  language?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: MAX_EXPIRY_MINUTES, description: '5 to 10080 (seven days).' })
  expiresInMinutes?: number | null;

  @Field(() => FinalizeMode, { nullable: true, defaultValue: FinalizeMode.AUTOMATIC })
  finalize?: FinalizeMode | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'E-mail the link to the signatory (the server must have SMTP configured); otherwise deliver signingUrl yourself.',
  })
  sendEmail?: boolean | null;
}

@ObjectType({ simpleResolvers: true })
export class AcceptanceRequestPayload {
  @Field(() => AcceptanceRequest)
  request!: AcceptanceRequest;
}

@Resolver(() => AcceptanceRequest)
export class AcceptanceRequestResolver {
  @Mutation(() => AcceptanceRequestPayload)
  @Guarded(Operation.REQUEST_CUSTOMER_ACCEPTANCE)
  async requestCustomerAcceptance(
    @Arg('input', () => RequestCustomerAcceptanceInput) input: RequestCustomerAcceptanceInput,
    @Ctx() { caller, em, services }: Context,
  ): Promise<AcceptanceRequestPayload> {
    return { request: await services.acceptanceRequests.request(em, caller, input) };
  }

  @Mutation(() => AcceptanceRequestPayload, { description: 'A new link for a PENDING request; the old link stops working and the expiry starts again.' })
  @Guarded(Operation.RENEW_ACCEPTANCE_REQUEST)
  async renewAcceptanceRequest(
    @Arg('id', () => ID) id: string,
    @Arg('expiresInMinutes', () => Int, { nullable: true, defaultValue: MAX_EXPIRY_MINUTES }) expiresInMinutes: number | null,
    @Arg('sendEmail', () => Boolean, { nullable: true, defaultValue: false }) sendEmail: boolean | null,
    @Ctx() { caller, em, services }: Context,
  ): Promise<AcceptanceRequestPayload> {
    return { request: await services.acceptanceRequests.renew(em, caller, id, expiresInMinutes, sendEmail) };
  }

  @Mutation(() => AcceptanceRequestPayload, { description: 'Withdraws a PENDING or SIGNED request; its link stops working.' })
  @Guarded(Operation.CANCEL_ACCEPTANCE_REQUEST)
  async cancelAcceptanceRequest(@Arg('id', () => ID) id: string, @Ctx() { caller, em, services }: Context): Promise<AcceptanceRequestPayload> {
    return { request: await services.acceptanceRequests.cancel(em, caller, id) };
  }

  @Mutation(() => AcceptanceRequestPayload, { description: 'Records the acceptance of a SIGNED request (finalize: BY_PARTNER).' })
  @Guarded(Operation.FINALIZE_ACCEPTANCE_REQUEST)
  async finalizeAcceptanceRequest(@Arg('id', () => ID) id: string, @Ctx() { caller, em, services }: Context): Promise<AcceptanceRequestPayload> {
    return { request: await services.acceptanceRequests.finalize(em, caller, id) };
  }

  @FieldResolver(() => AcceptanceRequestStatus)
  status(@Root() request: AcceptanceRequest, @Ctx() { services }: Context): AcceptanceRequestStatus {
    return services.acceptanceRequests.statusOf(request);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'The link for the signatory. Only in the payload of the mutation that made it (requestCustomerAcceptance, renewAcceptanceRequest); stored only as a hash, so null anywhere else.',
  })
  signingUrl(@Root() request: AcceptanceRequest & { signingUrl?: string | null }): string | null {
    return request.signingUrl ?? null;
  }

  @FieldResolver(() => Customer)
  async customer(@Root() request: AcceptanceRequest, @Ctx() { loaders }: Context): Promise<Customer> {
    return (await loaders.customer.load(request.customerId))!;
  }

  @FieldResolver(() => AgreementTemplate, { description: 'The version to be accepted.' })
  async agreement(@Root() request: AcceptanceRequest, @Ctx() { loaders }: Context): Promise<AgreementTemplate> {
    const templates = await loaders.templates();
    return templates.find((t) => t.templateId === request.templateId)!;
  }

  @FieldResolver(() => Acceptance, { nullable: true, description: 'The recorded acceptance, once FINALIZED.' })
  @Guarded(Operation.READ_ACCEPTANCES)
  acceptance(@Root() request: AcceptanceRequest, @Ctx() { loaders }: Context): Promise<Acceptance | null> | null {
    return request.acceptanceId ? loaders.acceptance.load(request.acceptanceId) : null;
  }
}

/** A customer's acceptance requests, as the caller's partner made them. */
@Resolver(() => Customer)
export class CustomerAcceptanceRequestsResolver {
  @FieldResolver(() => AcceptanceRequestConnection, { nullable: true, description: "The caller's partner's requests for this customer, newest first." })
  @Guarded(Operation.READ_ACCEPTANCE_REQUESTS)
  acceptanceRequests(
    @Root() customer: Customer,
    @Ctx() { caller, em, services }: Context,
    @Arg('status', () => [AcceptanceRequestStatus], { nullable: true }) status: AcceptanceRequestStatus[] | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<Connection<AcceptanceRequest>> {
    return services.acceptanceRequests.list(em, caller, customer.id, { statuses: status ?? null, first: first ?? null, after: after ?? null });
  }
}

@Resolver(() => AgreementStatus)
export class OpenRequestResolver {
  @FieldResolver(() => AcceptanceRequest, {
    nullable: true,
    description: "The caller's partner's newest request for this customer and type that is PENDING or SIGNED.",
  })
  openRequest(@Root() status: AgreementStatus, @Ctx() { loaders }: Context): Promise<AcceptanceRequest | null> | null {
    return status.customerId ? loaders.openRequest(status.type).load(status.customerId) : null;
  }
}
