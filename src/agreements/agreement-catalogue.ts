import type { EntityManager } from 'typeorm';
import type { AgreementTemplate, AgreementType } from './agreement.entity';
import type { AgreementRepository } from './agreement.repository';
import { latestTemplate } from './templates';

/**
 * The published agreement versions, as a process knows them: read once and
 * then kept for `ttlMs`, since every status read needs them and they change
 * only when versions are published (by import). A version published by this
 * process counts at once (`forget`); one published elsewhere within `ttlMs`.
 */
export class AgreementCatalogue {
  private known: { templates: Promise<AgreementTemplate[]>; until: number } | null = null;

  constructor(
    private readonly repository: AgreementRepository,
    private readonly ttlMs: number,
  ) {}

  /** Every version, by type and highest rank first. */
  templates(em: EntityManager): Promise<AgreementTemplate[]> {
    const now = Date.now();
    if (this.known && this.known.until > now) return this.known.templates;
    const templates = this.repository.all(em);
    // A failed read is not kept.
    templates.catch(() => (this.known = null));
    this.known = { templates, until: this.ttlMs > 0 ? now + this.ttlMs : now };
    return templates;
  }

  /** Every version as stored now, read within `em` (a write's own transaction): what a write goes by. */
  current(em: EntityManager): Promise<AgreementTemplate[]> {
    return this.repository.all(em);
  }

  /** The version of a type to accept now: its non-retired one of highest rank, or null. */
  async latest(em: EntityManager, type: AgreementType): Promise<AgreementTemplate | null> {
    return latestTemplate(await this.templates(em), type);
  }

  /** Forgets what it knows, so that the next read sees what was just written. */
  forget(): void {
    this.known = null;
  }
}
