import type { EntityManager } from 'typeorm';
import { rowsOfEntities } from '../shared/joined-rows';
import { AgreementDocument } from './agreement-document.entity';
import { AgreementTemplate } from './agreement.entity';
import { ReacceptanceRule } from './reacceptance-rule.entity';

/** Agreement versions (templates). */
export class AgreementRepository {
  /** Every version, by type and highest rank first, and every re-acceptance rule (each is a version's): one statement. */
  async withRules(em: EntityManager): Promise<{ templates: AgreementTemplate[]; rules: ReacceptanceRule[] }> {
    const qb = em
      .createQueryBuilder(AgreementTemplate, 't')
      .leftJoin(ReacceptanceRule, 'r', 'r.templateId = t.templateId')
      .addSelect(['r.templateId', 'r.acceptedBefore', 'r.outdatedFrom', 'r.activatedAt'])
      .orderBy('t.type')
      .addOrderBy('t.versionRank', 'DESC');
    const rows = await rowsOfEntities<{ t: AgreementTemplate; r: ReacceptanceRule }>(em, qb, 'templatesWithRules', { t: AgreementTemplate, r: ReacceptanceRule });
    return { templates: rows.map((row) => row.t!), rules: rows.flatMap((row) => (row.r ? [row.r] : [])) };
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
