import type { EntityManager } from 'typeorm';
import { Partner } from './partner.entity';

/** Partners: the tenants tokens are issued for. */
export class PartnerRepository {
  /** The partner of a tenant id, or null when the database does not know it. */
  findById(em: EntityManager, id: string): Promise<Partner | null> {
    return em.createQueryBuilder(Partner, 'p').where('p.id = :id', { id }).getOne();
  }

  byIds(em: EntityManager, ids: readonly string[]): Promise<Partner[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.createQueryBuilder(Partner, 'p').where('p.id IN (:...ids)', { ids }).getMany();
  }

  /** Any partner at all (whether a database holds data). */
  async any(em: EntityManager): Promise<boolean> {
    return (await em.createQueryBuilder(Partner, 'p').select('p.id').limit(1).getOne()) !== null;
  }

  async save(em: EntityManager, partners: readonly Partner[]): Promise<void> {
    if (partners.length > 0) await em.save(Partner, [...partners], { reload: false });
  }
}
