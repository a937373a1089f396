import type { EntityManager } from 'typeorm';
import { AgreementTemplate } from './agreement.entity';

/** Agreement versions (templates). */
export class AgreementRepository {
  /** Every version, by type and highest rank first. */
  all(em: EntityManager): Promise<AgreementTemplate[]> {
    return em.createQueryBuilder(AgreementTemplate, 't').orderBy('t.type').addOrderBy('t.versionRank', 'DESC').getMany();
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
}
