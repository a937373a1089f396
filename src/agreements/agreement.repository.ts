import type { EntityManager } from 'typeorm';
import { oneToOneRows } from '../shared/joined-rows';
import { AgreementDocument } from './agreement-document.entity';
import { AgreementTemplate } from './agreement.entity';
import { ReacceptanceRule } from './reacceptance-rule.entity';

/** Agreement versions (templates). */
export class AgreementRepository {
  /** Every version, by type and highest rank first. */
  all(em: EntityManager): Promise<AgreementTemplate[]> {
    return oneToOneRows(em, em.createQueryBuilder(AgreementTemplate, 't').orderBy('t.type').addOrderBy('t.versionRank', 'DESC'), 'templates', { alias: 't', entity: AgreementTemplate });
  }

  /** Every re-acceptance rule. */
  rules(em: EntityManager): Promise<ReacceptanceRule[]> {
    return oneToOneRows(em, em.createQueryBuilder(ReacceptanceRule, 'r'), 'rules', { alias: 'r', entity: ReacceptanceRule });
  }

  saveRule(em: EntityManager, rule: ReacceptanceRule): Promise<unknown> {
    return em.upsert(ReacceptanceRule, rule, ['templateId']);
  }

  activateRule(em: EntityManager, templateId: string, at: Date): Promise<unknown> {
    return em.update(ReacceptanceRule, { templateId }, { activatedAt: at });
  }

  /** Versions by id. */
  byIds(em: EntityManager, ids: readonly string[]): Promise<AgreementTemplate[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.createQueryBuilder(AgreementTemplate, 't').where('t.templateId IN (:...ids)', { ids }).getMany();
  }

  insert(em: EntityManager, templates: readonly AgreementTemplate[]): Promise<unknown> {
    return templates.length === 0 ? Promise.resolve() : em.insert(AgreementTemplate, [...templates]);
  }

  update(em: EntityManager, template: AgreementTemplate): Promise<unknown> {
    const { templateId, ...changes } = template;
    return em.update(AgreementTemplate, { templateId }, changes);
  }

  /** The documents of the versions `templateIds`, each version's in their order: one statement. */
  documentsOf(em: EntityManager, templateIds: readonly string[]): Promise<AgreementDocument[]> {
    if (templateIds.length === 0) return Promise.resolve([]);
    return em
      .createQueryBuilder(AgreementDocument, 'd')
      .where('d.templateId IN (:...templateIds)', { templateIds: [...new Set(templateIds)] })
      .orderBy('d.templateId')
      .addOrderBy('d.ordinal')
      .getMany();
  }

  /** Makes `documents` the version's documents, in their order. */
  async replaceDocuments(em: EntityManager, templateId: string, documents: readonly Omit<AgreementDocument, 'templateId' | 'ordinal'>[]): Promise<void> {
    await em.delete(AgreementDocument, { templateId });
    if (documents.length === 0) return;
    await em.insert(
      AgreementDocument,
      documents.map((d, ordinal) => Object.assign(new AgreementDocument(), { ...d, templateId, ordinal })),
    );
  }
}
