import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { OpenToAnySignedInCaller } from '../auth/guard';
import type { Context } from '../graphql/context';
import { AgreementTemplate, AgreementType } from './agreement.entity';
import { templatesOfType } from './templates';

@Resolver(() => AgreementTemplate)
export class AgreementResolver {
  @Query(() => [AgreementTemplate], {
    description: 'Agreement metadata. Open to any signed-in caller. Defaults to the Microsoft Customer Agreement.',
  })
  @OpenToAnySignedInCaller()
  async agreements(
    @Ctx() { loaders }: Context,
    @Arg('type', () => AgreementType, { nullable: true, defaultValue: AgreementType.MICROSOFT_CUSTOMER_AGREEMENT })
    type: AgreementType | null,
    @Arg('includeRetired', () => Boolean, { nullable: true, defaultValue: false }) includeRetired: boolean | null,
  ): Promise<AgreementTemplate[]> {
    const templates = await loaders.templates();
    return templatesOfType(templates, type ?? AgreementType.MICROSOFT_CUSTOMER_AGREEMENT, includeRetired ?? false);
  }

  @FieldResolver(() => Boolean)
  async latest(@Root() template: AgreementTemplate, @Ctx() { em, services }: Context): Promise<boolean> {
    return (await services.catalogue.latest(em, template.type))?.templateId === template.templateId;
  }
}
