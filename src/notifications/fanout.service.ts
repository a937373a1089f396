import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import { type AgreementCatalogue, type Agreements, basisOf } from '../agreements/agreement-catalogue';
import type { AgreementTemplate, AgreementType } from '../agreements/agreement.entity';
import type { AgreementRepository } from '../agreements/agreement.repository';
import type { ReacceptanceRule } from '../agreements/reacceptance-rule.entity';
import { latestTemplate } from '../agreements/templates';
import type { CloudInstance, Partner } from '../partners/partner.entity';
import type { PartnerRepository } from '../partners/partner.repository';
import { beginningOf } from '../shared/calendar';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import type { Database } from '../shared/unit-of-work';
import type { CurrentAcceptance } from '../status/current-acceptance.entity';
import { ChangeReason, type NewEvent, type Outbox, statusChanged, statusWillChange } from '../status/outbox';
import { AgreementStatusCode, agreementApplies, canTransact, statusOf } from '../status/status';
import type { StandingChange, StatusRepository } from '../status/status.repository';
import type { FanoutRepository } from './fanout.repository';
import { StatusFanout } from './webhook.entities';

export enum FanoutStep {
  /** A new rule: mark each current acceptance of its version for whether it falls under it; then the rule counts. */
  MARK = 'MARK',
  /** The statuses that got an outdatedFrom day. */
  WILL_CHANGE = 'WILL_CHANGE',
  /** The statuses that changed when the day began. */
  CHANGED = 'CHANGED',
}

/** New versions and rules, as an import publishes them. */
export interface Published {
  versions: readonly AgreementTemplate[];
  rules: readonly ReacceptanceRule[];
}

/** What publishing a rule or a version would make OUTDATED, per partner (`cli rules preview`). */
export interface PublicationPreview {
  cause: ChangeReason;
  templateId: string;
  outdatedFrom: string;
  partners: { partner: { id: string; name: string }; customers: number }[];
}

/** Current acceptances gone through per transaction. */
export const FANOUT_BATCH = 1000;

/**
 * The events that publishing a version or a re-acceptance rule causes, for
 * every customer it touches: written in batches of FANOUT_BATCH, each batch
 * its own short transaction, yielding the event loop in between, so that a
 * change of 100,000 statuses neither holds one long transaction nor stalls
 * requests. A batch locks the fanout row it works on; another process skips it.
 */
export class FanoutService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly catalogue: AgreementCatalogue,
    private readonly agreements: AgreementRepository,
    private readonly partners: PartnerRepository,
    private readonly fanouts: FanoutRepository,
    private readonly statuses: StatusRepository,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly batchSize = FANOUT_BATCH,
  ) {}

  /**
   * What an import just published, within the import's transaction: a new rule
   * is marked first (it counts once every current acceptance is marked); a new
   * version that becomes the latest tells the statuses it will make OUTDATED,
   * and tells them again when its day begins.
   */
  async published(em: EntityManager, after: Agreements, published: Published): Promise<void> {
    const now = this.clock.now();
    const today = this.catalogue.today();
    const jobs: StatusFanout[] = published.rules.map((rule) =>
      this.job(ChangeReason.REACCEPTANCE_RULE, FanoutStep.MARK, rule.templateId, this.typeOf(after, rule.templateId), rule.outdatedFrom, now),
    );
    for (const version of published.versions) {
      if (!this.takesOver(after, version, today)) continue;
      jobs.push(...this.followUps(ChangeReason.NEW_VERSION, version.templateId, version.type, version.effectiveDate, today, now));
    }
    await this.fanouts.insert(em, jobs);
  }

  /**
   * What publishing would do, without writing: per rule and per version that
   * would become the latest, the customers of each partner whose status would
   * turn OUTDATED, and from which day.
   */
  async preview(em: EntityManager, after: Agreements, published: Published): Promise<PublicationPreview[]> {
    const today = this.catalogue.today();
    const previews: PublicationPreview[] = [];
    const later = (day: string) => (day > today ? day : today);
    // Outside the public cloud the agreement does not apply: nothing changes there.
    const inPublicCloud = (rows: { partner: Partner; customers: number }[]) => rows.filter((r) => agreementApplies(r.partner.cloud));
    for (const rule of published.rules) {
      const type = this.typeOf(after, rule.templateId) as AgreementType;
      const latest = latestTemplate(after.templates, type, today);
      const partners = latest?.templateId === rule.templateId ? await this.statuses.perPartner(em, rule.templateId, { before: rule.acceptedBefore }) : [];
      previews.push({ cause: ChangeReason.REACCEPTANCE_RULE, templateId: rule.templateId, outdatedFrom: later(rule.outdatedFrom), partners: inPublicCloud(partners) });
    }
    for (const version of published.versions) {
      const takesOver = this.takesOver(after, version, today);
      if (!takesOver) continue;
      // Acceptances of the version it takes over from that an active rule made OUTDATED already do not change.
      const basis = basisOf(after, version.type, today);
      const ruled = basis.rule && basis.latestTemplateId === takesOver.templateId && basis.rule.outdatedFrom <= today ? basis.rule : null;
      const partners = await this.statuses.perPartner(em, takesOver.templateId, ruled ? { from: ruled.acceptedBefore } : {});
      previews.push({ cause: ChangeReason.NEW_VERSION, templateId: version.templateId, outdatedFrom: later(version.effectiveDate), partners: inPublicCloud(partners) });
    }
    return previews;
  }

  /** Runs every batch that is due, one transaction each; resolves with how many ran. Concurrent calls share one run. */
  runDue(): Promise<number> {
    this.running ??= this.runAll().finally(() => (this.running = null));
    return this.running;
  }

  /** Runs due batches every `intervalMs` (and whatever another process left undone). */
  runRegularly(intervalMs: number): void {
    const tick = () => {
      this.runDue()
        .catch((error: unknown) => this.logger.error({ err: error }, 'status fanout failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Stops the timer and waits for a batch under way. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private async runAll(): Promise<number> {
    let batches = 0;
    while (await this.db.write((em) => this.nextBatch(em))) {
      batches += 1;
      await nextTurn();
    }
    return batches;
  }

  /** One batch of the oldest due fanout; false when none is due. */
  private async nextBatch(em: EntityManager): Promise<boolean> {
    const fanout = await this.fanouts.claimDue(em, this.clock.now());
    if (!fanout) return false;
    const agreements = await this.catalogue.current(em);
    const templateId = this.templateGoneThrough(fanout, agreements);
    const rows = templateId === null ? [] : await this.fanouts.batch(em, fanout, templateId, this.batchSize);
    const clouds = new Map((await this.partners.byIds(em, [...new Set(rows.map((r) => r.partnerId))])).map((p) => [p.id, p.cloud]));
    switch (fanout.step as FanoutStep) {
      case FanoutStep.MARK:
        await this.mark(em, fanout, agreements, rows);
        break;
      case FanoutStep.WILL_CHANGE:
        await this.outbox.record(em, this.willChange(fanout, agreements, rows, clouds));
        break;
      case FanoutStep.CHANGED:
        await this.outbox.record(em, this.changed(fanout, agreements, rows, clouds));
        break;
    }
    if (rows.length === this.batchSize) {
      const last = rows[rows.length - 1];
      await this.fanouts.save(em, { ...fanout, cursorPartnerId: last.partnerId, cursorCustomerId: last.customerId });
    } else {
      await this.finish(em, fanout, agreements);
    }
    return true;
  }

  /**
   * The version whose current acceptances a fanout goes through: the rule's
   * own; for a new version, the one it takes over from (the latest without it
   * on its day); null when there is none.
   */
  private templateGoneThrough(fanout: StatusFanout, agreements: Agreements): string | null {
    if (fanout.cause === ChangeReason.REACCEPTANCE_RULE) return fanout.templateId;
    const others = agreements.templates.filter((t) => t.templateId !== fanout.templateId);
    return latestTemplate(others, fanout.agreementType as AgreementType, fanout.effectiveDay!)?.templateId ?? null;
  }

  /** Marks a batch for whether each acceptance falls under the rule (the counts move with them). */
  private async mark(em: EntityManager, fanout: StatusFanout, agreements: Agreements, rows: readonly CurrentAcceptance[]): Promise<void> {
    if (rows.length === 0) return;
    const rule = agreements.rules.find((r) => r.templateId === fanout.templateId)!;
    await this.fanouts.markUnderRule(em, fanout, rule.templateId, rows[rows.length - 1], rule.acceptedBefore);
    const moves: StandingChange[] = rows.flatMap((row) => {
      const under = row.dateAgreed < rule.acceptedBefore;
      if (under === row.acceptedBeforeRule) return [];
      const { partnerId, customerId, agreementType, templateId } = row;
      return [{ partnerId, customerId, agreementType, from: { templateId, acceptedBeforeRule: !under }, to: { templateId, acceptedBeforeRule: under } }];
    });
    await this.statuses.moved(em, moves);
  }

  /** Statuses ACCEPTED today that have a day from which they will be OUTDATED. */
  private willChange(fanout: StatusFanout, agreements: Agreements, rows: readonly CurrentAcceptance[], clouds: ReadonlyMap<string, CloudInstance>): NewEvent[] {
    const basis = basisOf(agreements, fanout.agreementType as AgreementType, this.catalogue.today());
    return rows.flatMap((row) => {
      const cloud = clouds.get(row.partnerId)!;
      const { status, outdatedFrom } = statusOf(cloud, row, basis);
      if (status !== AgreementStatusCode.ACCEPTED || outdatedFrom === null) return [];
      const { partnerId, customerId, agreementType } = row;
      return [statusWillChange({ partnerId, customerId, agreementType, status, outdatedFrom, reason: fanout.cause as ChangeReason })];
    });
  }

  /** Statuses that differ on the fanout's day from what they were without its cause. */
  private changed(fanout: StatusFanout, agreements: Agreements, rows: readonly CurrentAcceptance[], clouds: ReadonlyMap<string, CloudInstance>): NewEvent[] {
    const type = fanout.agreementType as AgreementType;
    const day = fanout.effectiveDay!;
    const before =
      fanout.cause === ChangeReason.REACCEPTANCE_RULE
        ? basisOf({ ...agreements, rules: agreements.rules.filter((r) => r.templateId !== fanout.templateId) }, type, day)
        : basisOf({ ...agreements, templates: agreements.templates.filter((t) => t.templateId !== fanout.templateId) }, type, day);
    const after = basisOf(agreements, type, day);
    const at = this.clock.now().toISOString();
    return rows.flatMap((row) => {
      const cloud = clouds.get(row.partnerId)!;
      const previous = statusOf(cloud, row, before).status;
      const now = statusOf(cloud, row, after);
      if (previous === now.status) return [];
      const { partnerId, customerId, agreementType } = row;
      return [
        statusChanged({
          partnerId,
          customerId,
          agreementType,
          previous,
          status: now.status,
          canTransact: canTransact(now.status),
          outdatedFrom: now.outdatedFrom,
          reason: fanout.cause as ChangeReason,
          at,
        }),
      ];
    });
  }

  /** A fanout went through every row: done; a marked rule counts from now on, and its days are announced. */
  private async finish(em: EntityManager, fanout: StatusFanout, agreements: Agreements): Promise<void> {
    const now = this.clock.now();
    await this.fanouts.save(em, { ...fanout, doneAt: now });
    if (fanout.step !== FanoutStep.MARK) return;
    await this.agreements.activateRule(em, fanout.templateId, now);
    this.db.afterCommit(em, () => this.catalogue.forget());
    const rule = agreements.rules.find((r) => r.templateId === fanout.templateId)!;
    await this.fanouts.insert(em, this.followUps(ChangeReason.REACCEPTANCE_RULE, rule.templateId, fanout.agreementType, rule.outdatedFrom, this.catalogue.today(), now));
  }

  /** WILL_CHANGE now and CHANGED when `day` begins; CHANGED now when it has begun. */
  private followUps(cause: ChangeReason, templateId: string, type: string, day: string, today: string, now: Date): StatusFanout[] {
    if (day <= today) return [this.job(cause, FanoutStep.CHANGED, templateId, type, today, now)];
    return [this.job(cause, FanoutStep.WILL_CHANGE, templateId, type, day, now), this.job(cause, FanoutStep.CHANGED, templateId, type, day, beginningOf(day))];
  }

  private job(cause: ChangeReason, step: FanoutStep, templateId: string, agreementType: string, effectiveDay: string, dueAt: Date): StatusFanout {
    return Object.assign(new StatusFanout(), {
      id: randomUUID(),
      cause,
      step,
      templateId,
      agreementType,
      effectiveDay,
      dueAt,
      cursorPartnerId: null,
      cursorCustomerId: null,
      doneAt: null,
      createdAt: this.clock.now(),
    });
  }

  /** The version a newly published one takes over from on its day (it becomes the latest then), or null. */
  private takesOver(after: Agreements, version: AgreementTemplate, today: string): AgreementTemplate | null {
    if (version.retired) return null;
    const day = version.effectiveDate > today ? version.effectiveDate : today;
    if (latestTemplate(after.templates, version.type, day) !== version) return null;
    return latestTemplate(after.templates.filter((t) => t.templateId !== version.templateId), version.type, day);
  }

  private typeOf(agreements: Agreements, templateId: string): string {
    return agreements.templates.find((t) => t.templateId === templateId)!.type;
  }
}
