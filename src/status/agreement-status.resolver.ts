import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { AgreementTemplate } from '../agreements/agreement.entity';
import type { Context } from '../graphql/context';
import { AgreementStatus } from './agreement-status';
import { agreementApplies } from './status';

@Resolver(() => AgreementStatus)
export class AgreementStatusResolver {
  @FieldResolver(() => AgreementTemplate, {
    nullable: true,
    description: 'The version to accept now; null where none is published or it does not apply.',
  })
  async latestAgreement(@Root() status: AgreementStatus, @Ctx() { caller, em, services }: Context): Promise<AgreementTemplate | null> {
    if (!agreementApplies(caller.partner.cloud)) return null;
    return services.catalogue.latest(em, status.type);
  }
}
