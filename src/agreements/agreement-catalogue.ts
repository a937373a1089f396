import type { EntityManager } from 'typeorm';
import { latestBegunDate } from '../shared/calendar';
import type { Clock } from '../shared/clock';
import type { AgreementDocument } from './agreement-document.entity';
import type { AgreementTemplate, AgreementType } from './agreement.entity';
import type { AgreementRepository } from './agreement.repository';
import type { ReacceptanceRule } from './reacceptance-rule.entity';
import { pickDocument } from './documents';
import { latestTemplate, nextVersion } from './templates';

/** The published agreement versions and their re-acceptance rules. */
export interface Agreements {
  templates: AgreementTemplate[];
  rules: ReacceptanceRule[];
}

/** What the status of one agreement type rests on today (the status rule's basis, see status/status.ts). */
export interface AgreementBasis {
  latest: AgreementTemplate | null;
  latestTemplateId: string | null;
  rule: ReacceptanceRule | null;
  nextVersionFrom: string | null;
  today: string;
}

/**
 * The published agreement versions and rules, as a process knows them: read
 * once and then kept for `ttlMs`, since every status read needs them and they
 * change only when versions are published (by import). What this process
 * publishes counts at once (`forget`); what another publishes, within `ttlMs`.
 */
export class AgreementCatalogue {
  private known: { agreements: Promise<Agreements>; until: number } | null = null;

  constructor(
    private readonly repository: AgreementRepository,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** Every version, by type and highest rank first. */
  async templates(em: EntityManager): Promise<AgreementTemplate[]> {
    return (await this.agreements(em)).templates;
  }

  /** Versions and rules as the process knows them. */
  agreements(em: EntityManager): Promise<Agreements> {
    // The injected clock, so that the time a version takes to be seen is the clock's (and a test can move it).
    const now = this.clock.now().getTime();
    if (this.known && this.known.until > now) return this.known.agreements;
    const agreements = this.read(em);
    // A failed read is not kept.
    agreements.catch(() => (this.known = null));
    this.known = { agreements, until: this.ttlMs > 0 ? now + this.ttlMs : now };
    return agreements;
  }

  /** Versions and rules as stored now, read within `em` (a write's own transaction): what a write goes by. */
  current(em: EntityManager): Promise<Agreements> {
    return this.read(em);
  }

  /** The version of a type to accept today: its non-retired one in effect of highest rank, or null. */
  async latest(em: EntityManager, type: AgreementType): Promise<AgreementTemplate | null> {
    return latestTemplate(await this.templates(em), type, this.today());
  }

  /** What the statuses of a type rest on today. */
  async basis(em: EntityManager, type: AgreementType): Promise<AgreementBasis> {
    return basisOf(await this.agreements(em), type, this.today());
  }

  /** Every document of each of `templateIds`, in key order, each version's in its order: one statement, read as stored now. */
  async documentsOf(em: EntityManager, templateIds: readonly string[]): Promise<AgreementDocument[][]> {
    const byTemplate = new Map<string, AgreementDocument[]>();
    for (const d of await this.repository.documentsOf(em, templateIds)) byTemplate.set(d.templateId, [...(byTemplate.get(d.templateId) ?? []), d]);
    return templateIds.map((id) => byTemplate.get(id) ?? []);
  }

  /**
   * The document of version `templateId` to show for `country` and `language`
   * (null: the country's first language), by the rule in documents.ts
   * (`pickDocument`); null when the version has no documents or is unknown.
   * Its `language` is then the language to use: the country's first language
   * among the version's documents when none was named. One statement.
   */
  async documentFor(em: EntityManager, templateId: string, country: string, language: string | null): Promise<AgreementDocument | null> {
    return pickDocument(await this.repository.documentsOf(em, [templateId]), country, language);
  }

  /** Today's date in UTC+14 (the rules' "today"). */
  today(): string {
    return latestBegunDate(this.clock.now());
  }

  /** Forgets what it knows, so that the next read sees what was just written. */
  forget(): void {
    this.known = null;
  }

  private read(em: EntityManager): Promise<Agreements> {
    return this.repository.withRules(em);
  }
}

/** What the statuses of a type rest on on a given day: the latest version, its active rule, the next version's day. */
export function basisOf({ templates, rules }: Agreements, type: AgreementType, today: string): AgreementBasis {
  const latest = latestTemplate(templates, type, today);
  const rule = latest ? (rules.find((r) => r.templateId === latest.templateId && r.activatedAt !== null) ?? null) : null;
  return { latest, latestTemplateId: latest?.templateId ?? null, rule, nextVersionFrom: nextVersion(templates, type, latest, today)?.effectiveDate ?? null, today };
}
