import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { OpenToAnySignedInCaller } from '../auth/guard';
import type { Context } from '../graphql/context';
import { AgreementDocument } from './agreement-document.entity';
import { AgreementTemplate, AgreementType } from './agreement.entity';
import { DEFAULT_COUNTRY, pickDocument, requireCountry, requireLanguage } from './documents';
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

  @FieldResolver(() => AgreementDocument, {
    nullable: true,
    description:
      "The text for this country and language; without an exact match, the country's first language, then US/en-US; null when the version has no documents.",
  })
  async document(
    @Root() template: AgreementTemplate,
    @Ctx() { loaders }: Context,
    @Arg('country', () => String, { nullable: true }) country: string | null,
    @Arg('language', () => String, { nullable: true }) language: string | null,
  ): Promise<AgreementDocument | null> {
    const where = country === null || country === undefined ? DEFAULT_COUNTRY : requireCountry(country, 'country');
    const tag = language === null || language === undefined ? null : requireLanguage(language, 'language');
    return pickDocument(await loaders.documents.load(template.templateId), where, tag);
  }

  @FieldResolver(() => [AgreementDocument], { description: 'Every text of this version.' })
  documents(@Root() template: AgreementTemplate, @Ctx() { loaders }: Context): Promise<AgreementDocument[]> {
    return loaders.documents.load(template.templateId);
  }
}
