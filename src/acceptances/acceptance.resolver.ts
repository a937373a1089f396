import { Arg, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import { AgreementTemplate, AgreementType } from '../agreements/agreement.entity';
import { Guarded } from '../auth/guard';
import { Operation } from '../auth/roles';
import { Customer } from '../customers/customer.entity';
import { CreateCustomerPayload } from '../customers/customer.inputs';
import type { Context } from '../graphql/context';
import { type Connection, connectionOf, ConnectionType, MAX_PAGE_SIZE, pageSize } from '../shared/pagination';
import { AgreementStatus } from '../status/agreement-status';
import { historyCursor } from './acceptance-history';
import { Acceptance, AcceptanceChannel } from './acceptance.entity';
import { AcceptancePayload, AttestAcceptanceInput, ConfirmAcceptanceInput } from './acceptance.inputs';
import { BulkAcceptancePayload } from './bulk.types';

export const AcceptanceConnection = ConnectionType('Acceptance', Acceptance);

@Resolver(() => Acceptance)
export class AcceptanceResolver {
  @Mutation(() => AcceptancePayload)
  @Guarded(Operation.CONFIRM_ACCEPTANCE)
  confirmCustomerAcceptance(
    @Arg('input', () => ConfirmAcceptanceInput) input: ConfirmAcceptanceInput,
    @Ctx() { caller, em, services }: Context,
  ): Promise<AcceptancePayload> {
    return services.acceptances.confirm(em, caller, input, AcceptanceChannel.EXISTING_CUSTOMER);
  }

  @Mutation(() => AcceptancePayload)
  @Guarded(Operation.ATTEST_ACCEPTANCE)
  attestCustomerAcceptance(
    @Arg('input', () => AttestAcceptanceInput) input: AttestAcceptanceInput,
    @Ctx() { caller, em, services }: Context,
  ): Promise<AcceptancePayload> {
    return services.acceptances.attest(em, caller, input);
  }

  @Mutation(() => BulkAcceptancePayload)
  @Guarded(Operation.CONFIRM_ACCEPTANCE)
  confirmCustomerAcceptances(
    @Arg('inputs', () => [ConfirmAcceptanceInput]) inputs: ConfirmAcceptanceInput[],
    @Ctx() { caller, em, services }: Context,
  ): Promise<BulkAcceptancePayload> {
    return services.bulk.confirm(em, caller, inputs);
  }

  @Mutation(() => BulkAcceptancePayload)
  @Guarded(Operation.ATTEST_ACCEPTANCE)
  attestCustomerAcceptances(
    @Arg('inputs', () => [AttestAcceptanceInput]) inputs: AttestAcceptanceInput[],
    @Ctx() { caller, em, services }: Context,
  ): Promise<BulkAcceptancePayload> {
    return services.bulk.attest(em, caller, inputs);
  }

  @FieldResolver(() => AgreementTemplate)
  async agreement(@Root() acceptance: Acceptance, @Ctx() { loaders }: Context): Promise<AgreementTemplate> {
    const templates = await loaders.templates();
    return templates.find((t) => t.templateId === acceptance.templateId)!;
  }
}

/** The acceptance a status rests on: only for the roles that may read acceptance records. */
@Resolver(() => AgreementStatus)
export class CurrentAcceptanceResolver {
  @FieldResolver(() => Acceptance, {
    nullable: true,
    description:
      "The acceptance the status rests on: among the caller's partner's acceptances of this type, one of the highest-ranked template; among those, the latest dateAgreed, then the latest recorded. Recording an older version never lowers the status.",
  })
  @Guarded(Operation.READ_ACCEPTANCES)
  acceptance(@Root() status: AgreementStatus, @Ctx() { loaders }: Context): Promise<Acceptance | null> | null {
    return status.acceptanceId ? loaders.acceptance.load(status.acceptanceId) : null;
  }
}

/** A customer's acceptance history, and the acceptance a new customer came with. */
@Resolver(() => Customer)
export class CustomerAcceptancesResolver {
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
    const args = { customerId: customer.id, type: type ?? null, first: pageSize(first, 50, MAX_PAGE_SIZE), after: after ?? null };
    const rows = await loaders.history.load(args);
    return connectionOf(rows, args.first, historyCursor, args.after !== null, () =>
      loaders.historyCount.load({ customerId: customer.id, type: args.type }),
    );
  }
}

@Resolver(() => CreateCustomerPayload)
export class NewCustomerAcceptanceResolver {
  @FieldResolver(() => Acceptance, { nullable: true })
  acceptance(@Root() payload: CreateCustomerPayload): Acceptance | null {
    return payload.acceptance as Acceptance | null;
  }
}
