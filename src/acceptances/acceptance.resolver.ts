import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { AgreementTemplate } from '../agreements/agreement.entity';
import { latestTemplate } from '../agreements/templates';
import { Guarded } from '../auth/guard';
import { Operation } from '../auth/roles';
import type { Context } from '../shared/context';
import { Acceptance, AcceptanceChannel } from './acceptance.entity';
import { AcceptancePayload, AttestAcceptanceInput, ConfirmAcceptanceInput } from './acceptance.inputs';
import { BulkAcceptancePayload } from './bulk.types';
import { AgreementStatus } from './agreement-status';
import { agreementApplies } from './status';

@Resolver(() => Acceptance)
export class AcceptanceResolver {
  @Mutation(() => AcceptancePayload)
  @Guarded(Operation.CONFIRM_ACCEPTANCE)
  confirmCustomerAcceptance(
    @Arg('input', () => ConfirmAcceptanceInput) input: ConfirmAcceptanceInput,
    @Ctx() { caller, services }: Context,
  ): Promise<AcceptancePayload> {
    return services.acceptances.confirm(caller, input, AcceptanceChannel.EXISTING_CUSTOMER);
  }

  @Mutation(() => AcceptancePayload)
  @Guarded(Operation.ATTEST_ACCEPTANCE)
  attestCustomerAcceptance(
    @Arg('input', () => AttestAcceptanceInput) input: AttestAcceptanceInput,
    @Ctx() { caller, services }: Context,
  ): Promise<AcceptancePayload> {
    return services.acceptances.attest(caller, input);
  }

  @Mutation(() => BulkAcceptancePayload)
  @Guarded(Operation.CONFIRM_ACCEPTANCE)
  confirmCustomerAcceptances(
    @Arg('inputs', () => [ConfirmAcceptanceInput]) inputs: ConfirmAcceptanceInput[],
    @Ctx() { caller, services }: Context,
  ): Promise<BulkAcceptancePayload> {
    return services.bulk.confirm(caller, inputs);
  }

  @Mutation(() => BulkAcceptancePayload)
  @Guarded(Operation.ATTEST_ACCEPTANCE)
  attestCustomerAcceptances(
    @Arg('inputs', () => [AttestAcceptanceInput]) inputs: AttestAcceptanceInput[],
    @Ctx() { caller, services }: Context,
  ): Promise<BulkAcceptancePayload> {
    return services.bulk.attest(caller, inputs);
  }

  @FieldResolver(() => AgreementTemplate)
  async agreement(@Root() acceptance: Acceptance, @Ctx() { loaders }: Context): Promise<AgreementTemplate> {
    const templates = await loaders.templates();
    return templates.find((t) => t.templateId === acceptance.templateId)!;
  }
}

@Resolver(() => AgreementStatus)
export class AgreementStatusResolver {
  @FieldResolver(() => AgreementTemplate, {
    nullable: true,
    description: 'The version to accept now; null where none is published or it does not apply.',
  })
  async latestAgreement(@Root() status: AgreementStatus, @Ctx() { caller, loaders }: Context): Promise<AgreementTemplate | null> {
    if (!agreementApplies(caller.partner.cloud)) return null;
    return latestTemplate(await loaders.templates(), status.type);
  }

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
