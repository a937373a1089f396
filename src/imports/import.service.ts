import type { EntityManager } from 'typeorm';
import { type Acceptance } from '../acceptances/acceptance.entity';
import type { AcceptanceService } from '../acceptances/acceptance.service';
import { checkNotBeforeEffective } from '../acceptances/date-rules';
import type { AgreementCatalogue, Agreements } from '../agreements/agreement-catalogue';
import { AgreementTemplate } from '../agreements/agreement.entity';
import type { AgreementRepository } from '../agreements/agreement.repository';
import { ReacceptanceRule } from '../agreements/reacceptance-rule.entity';
import type { Role } from '../auth/roles';
import { Customer, searchTextOf, sortNameOf } from '../customers/customer.entity';
import type { CustomerRepository } from '../customers/customer.repository';
import type { CustomerService } from '../customers/customer.service';
import type { FanoutService, PublicationPreview, Published } from '../notifications/fanout.service';
import { BillingType, Offer } from '../orders/offer.entity';
import type { OrderRepository } from '../orders/order.repository';
import { Subscription } from '../orders/subscription.entity';
import { Partner } from '../partners/partner.entity';
import type { PartnerRepository } from '../partners/partner.repository';
import type { Clock } from '../shared/clock';
import { DomainError } from '../shared/errors';
import { ChangeReason } from '../status/outbox';
import type { Database } from '../shared/unit-of-work';
import { type DocumentRow, guard, ImportError, type ImportFile } from './import-file';

export interface SectionCount {
  inserted: number;
  updated: number;
  unchanged: number;
}
export type ImportSummary = Record<keyof ImportFile | 'relationships', SectionCount>;

/** Rows read or written a few hundred at a time. */
const CHUNK = 500;

const chunks = <T>(items: readonly T[], size = CHUNK): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Reads by id in chunks. */
async function inChunks<T>(ids: readonly string[], read: (part: string[]) => Promise<T[]>): Promise<T[]> {
  const found: T[] = [];
  for (const part of chunks([...new Set(ids)])) found.push(...(await read(part)));
  return found;
}

const sameValue = (a: unknown, b: unknown): boolean =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b || (a === null && b === undefined);

/** The path of the first field of `next` that differs from `stored` (`acceptedBy.email`), or null. */
function firstDifference(stored: object, next: object, path = ''): string | null {
  for (const [field, value] of Object.entries(next)) {
    const before = (stored as Record<string, unknown>)[field];
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const inner = firstDifference((before ?? {}) as object, value as object, `${path}${field}.`);
      if (inner) return inner;
    } else if (!sameValue(before, value)) return `${path}${field}`;
  }
  return null;
}

/** The fields of `next` (undefined: keep what is stored) that differ from `stored`. */
function changesOf<T extends object>(stored: T, next: Partial<T>): Partial<T> {
  const changed: Partial<T> = {};
  for (const [field, value] of Object.entries(next) as [keyof T, T[keyof T]][]) {
    if (value === undefined) continue;
    const before = stored[field];
    const same =
      value !== null && typeof value === 'object' && !(value instanceof Date)
        ? Object.entries(value).every(([k, v]) => sameValue((before as Record<string, unknown>)?.[k], v))
        : sameValue(before, value);
    if (!same) changed[field] = value;
  }
  return changed;
}

/**
 * Loads a parsed import file in one transaction, through the repositories and
 * services the API writes with (relationships count as the API counts them,
 * acceptances are appended under the same duplicate and current-record rules):
 * upserts by id, refuses the whole file at the first row that does not fit what
 * is stored, and leaves everything as it was when the same file is imported again.
 */
export class ImportService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly catalogue: AgreementCatalogue,
    private readonly partners: PartnerRepository,
    private readonly agreements: AgreementRepository,
    private readonly customerRecords: CustomerRepository,
    private readonly customers: CustomerService,
    private readonly orders: OrderRepository,
    private readonly acceptances: AcceptanceService,
    private readonly fanouts: FanoutService,
  ) {}

  async run(file: Required<ImportFile>): Promise<ImportSummary> {
    const summary = await this.db.write((em) => this.load(em, file));
    this.catalogue.forget();
    return summary;
  }

  /** What the file's new rules and versions would make OUTDATED, per partner, without writing (`cli rules preview`). */
  preview(file: Required<ImportFile>): Promise<PublicationPreview[]> {
    return this.db.read(async (em) => {
      const { agreements, published } = await this.publication(em, file, { inserted: 0, updated: 0, unchanged: 0 });
      return this.fanouts.preview(em, agreements, published);
    });
  }

  /** Whether the database holds no partner yet. */
  async empty(): Promise<boolean> {
    return !(await this.db.read((em) => this.partners.any(em)));
  }

  private async load(em: EntityManager, file: Required<ImportFile>): Promise<ImportSummary> {
    const now = this.clock.now();
    const count = (): SectionCount => ({ inserted: 0, updated: 0, unchanged: 0 });
    const summary: ImportSummary = {
      partners: count(),
      agreements: count(),
      offers: count(),
      customers: count(),
      relationships: count(),
      subscriptions: count(),
      acceptances: count(),
    };

    const { agreements, templates, published, changed, texts } = await this.publication(em, file, summary.agreements);
    await this.agreements.insert(em, published.versions);
    for (const template of changed) await this.agreements.update(em, template);
    for (const rule of published.rules) await this.agreements.saveRule(em, rule);
    for (const { templateId, documents } of texts) await this.agreements.replaceDocuments(em, templateId, documents);
    await this.fanouts.published(em, agreements, published);

    // What the rows refer to must exist, in the file or in the database.
    const partnerIds = new Set([...file.partners.map((p) => p.id), ...(await inChunks(file.customers.flatMap((c) => c.partnerIds), (ids) => this.partners.byIds(em, ids))).map((p) => p.id)]);
    file.customers.forEach((c, i) =>
      c.partnerIds.forEach((p, j) => {
        if (!partnerIds.has(p)) throw new ImportError(`customers[${i}].partnerIds[${j}]: partner ${p} is not in the file or the database.`);
      }),
    );
    const storedOffers = await inChunks(file.offers.map((o) => o.id).concat(file.subscriptions.map((s) => s.offerId)), (ids) => this.orders.offersByIds(em, ids));
    const offers = new Map(storedOffers.map((o) => [o.id, o.billingType]));
    for (const o of file.offers) offers.set(o.id, o.billingType);

    const storedCustomers = new Map((await inChunks(file.customers.map((c) => c.id), (ids) => this.customerRecords.byIds(em, ids))).map((c) => [c.id, c]));
    const domains = new Map((await inChunks(file.customers.map((c) => c.domain), (d) => this.customerRecords.byDomains(em, d))).map((c) => [c.domain, c.id]));
    file.customers.forEach((c, i) => {
      const owner = domains.get(c.domain);
      if (owner && owner !== c.id) throw new ImportError(`customers[${i}].domain: ${c.domain} belongs to customer ${owner}.`);
      domains.set(c.domain, c.id);
    });
    const referred = [...new Set([...file.customers.map((c) => c.id), ...file.subscriptions.map((s) => s.customerId), ...file.acceptances.map((a) => a.customerId)])];
    const storedRelationships = await inChunks(referred, (ids) => this.customerRecords.relationships(em, ids));
    const relationships = new Set(storedRelationships.map((r) => `${r.partnerId}|${r.customerId}`));
    const storedRelationshipKeys = new Set(relationships);
    for (const c of file.customers) for (const p of c.partnerIds) relationships.add(`${p}|${c.id}`);
    file.subscriptions.forEach((s, i) => {
      const path = `subscriptions[${i}]`;
      if (!relationships.has(`${s.partnerId}|${s.customerId}`)) throw new ImportError(`${path}: customer ${s.customerId} has no relationship with partner ${s.partnerId}.`);
      const billing = offers.get(s.offerId);
      if (!billing) throw new ImportError(`${path}.offerId: offer ${s.offerId} is not in the file or the database.`);
      if (billing === BillingType.LICENSE && s.quantity === null) throw new ImportError(`${path}.quantity is required for a licence-based offer.`);
      if (billing === BillingType.USAGE && s.quantity !== null) throw new ImportError(`${path}.quantity must be absent for a usage-based offer.`);
    });
    file.acceptances.forEach((a, i) => {
      const path = `acceptances[${i}]`;
      if (!relationships.has(`${a.partnerId}|${a.customerId}`)) throw new ImportError(`${path}: customer ${a.customerId} has no relationship with partner ${a.partnerId}.`);
      const template = templates.get(a.templateId);
      if (!template) throw new ImportError(`${path}.templateId: template ${a.templateId} is not in the file or the database.`);
      guard(() => checkNotBeforeEffective(a.dateAgreed, template.effectiveDate, `${path}.dateAgreed`));
    });

    // Partners and offers: upserts by id.
    const storedPartners = new Map((await inChunks(file.partners.map((p) => p.id), (ids) => this.partners.byIds(em, ids))).map((p) => [p.id, p]));
    const partnerRows = file.partners.map((p) => Object.assign(new Partner(), p));
    this.tally(summary.partners, partnerRows.map((p) => (storedPartners.get(p.id) ? changesOf(storedPartners.get(p.id)!, p) : null)));
    await this.partners.save(em, partnerRows.filter((p) => !storedPartners.get(p.id) || Object.keys(changesOf(storedPartners.get(p.id)!, p)).length > 0));
    const offerChanges = file.offers.map((o, i) => {
      const before = storedOffers.find((s) => s.id === o.id);
      if (before && before.billingType !== o.billingType) throw new ImportError(`offers[${i}].billingType: the billing type of an offer cannot change.`);
      return before ? changesOf(before, o) : null;
    });
    this.tally(summary.offers, offerChanges);
    await this.orders.saveOffers(em, file.offers.filter((_, i) => offerChanges[i] === null || Object.keys(offerChanges[i]!).length > 0).map((o) => Object.assign(new Offer(), o)));

    // Customers: new ones inserted, changed ones updated (an omitted createdAt keeps what is stored).
    const newCustomers: Customer[] = [];
    for (const c of file.customers) {
      const next = {
        companyName: c.companyName,
        domain: c.domain,
        primaryContact: c.primaryContact,
        searchText: searchTextOf(c.companyName, c.domain),
        createdAt: c.createdAt,
      };
      const before = storedCustomers.get(c.id);
      if (!before) {
        newCustomers.push(Object.assign(new Customer(), { id: c.id, ...next, createdAt: c.createdAt ?? now }));
        summary.customers.inserted += 1;
        continue;
      }
      const changed = changesOf(before, next);
      if (Object.keys(changed).length === 0) {
        summary.customers.unchanged += 1;
        continue;
      }
      await this.customerRecords.update(em, c.id, changed);
      if (changed.companyName !== undefined) await this.customerRecords.resort(em, c.id, sortNameOf(c.companyName));
      summary.customers.updated += 1;
    }
    await this.customerRecords.insert(em, newCustomers);

    // Relationships, counted as the API counts them.
    const gained = new Map<string, Pick<Customer, 'id' | 'companyName'>[]>();
    for (const c of file.customers) {
      for (const p of c.partnerIds) {
        if (storedRelationshipKeys.has(`${p}|${c.id}`)) summary.relationships.unchanged += 1;
        else {
          let related = gained.get(p);
          if (!related) gained.set(p, (related = []));
          related.push({ id: c.id, companyName: c.companyName });
        }
      }
    }
    for (const [partnerId, related] of gained) {
      for (const part of chunks(related)) await this.customers.relate(em, partnerId, part);
      summary.relationships.inserted += related.length;
    }

    await this.importSubscriptions(em, file, summary.subscriptions, now);
    await this.importAcceptances(em, file, agreements, summary.acceptances);
    return summary;
  }

  /**
   * The agreement section against what is stored: a published version keeps
   * its type and rank, a published re-acceptance rule stays as it is. Returns
   * the versions and rules as they will be, what is new and what changed.
   */
  private async publication(em: EntityManager, file: Required<ImportFile>, count: SectionCount) {
    const stored = await this.agreements.withRules(em);
    const templates = new Map(stored.templates.map((t) => [t.templateId, t]));
    const rules = new Map(stored.rules.map((r) => [r.templateId, r]));
    const published = { versions: [] as AgreementTemplate[], rules: [] as ReacceptanceRule[] } satisfies Published;
    const changed: AgreementTemplate[] = [];
    const storedTexts = new Map<string, DocumentRow[]>();
    for (const d of await this.agreements.documentsOf(em, file.agreements.filter((a) => a.documents !== null && templates.has(a.templateId)).map((a) => a.templateId))) {
      const { country, language, displayUri, downloadUri } = d;
      storedTexts.set(d.templateId, [...(storedTexts.get(d.templateId) ?? []), { country, language, displayUri, downloadUri }]);
    }
    // The versions whose texts the file changes, with their texts as they will be.
    const texts: { templateId: string; documents: DocumentRow[] }[] = [];
    for (const [i, { reacceptance, documents, ...a }] of file.agreements.entries()) {
      const textsChange = documents !== null && JSON.stringify(storedTexts.get(a.templateId) ?? []) !== JSON.stringify(documents);
      if (textsChange) texts.push({ templateId: a.templateId, documents });
      const clash = [...templates.values()].find((t) => t.templateId !== a.templateId && t.type === a.type && t.versionRank === a.versionRank);
      if (clash) throw new ImportError(`agreements[${i}].versionRank: ${a.type} version ${a.versionRank} is already template ${clash.templateId}.`);
      const next = Object.assign(new AgreementTemplate(), a);
      const before = templates.get(a.templateId);
      const rule = reacceptance ? this.newRule(i, a.templateId, reacceptance, rules.get(a.templateId)) : null;
      if (rule) published.rules.push(rule);
      if (!before) {
        published.versions.push(next);
        count.inserted += 1;
      } else {
        const changes = changesOf(before, next);
        if ('type' in changes) throw new ImportError(`agreements[${i}].type: the agreement type of a published template cannot change.`);
        // Which record each status rests on depends on the ranks.
        if ('versionRank' in changes) throw new ImportError(`agreements[${i}].versionRank: the rank of a published template cannot change.`);
        if (Object.keys(changes).length > 0) changed.push(next);
        if (Object.keys(changes).length === 0 && !rule && !textsChange) count.unchanged += 1;
        else count.updated += 1;
      }
      templates.set(a.templateId, next);
    }
    const agreements: Agreements = { templates: [...templates.values()], rules: [...rules.values(), ...published.rules] };
    return { agreements, templates, published, changed, texts };
  }

  private async importSubscriptions(em: EntityManager, file: Required<ImportFile>, count: SectionCount, now: Date): Promise<void> {
    const stored = new Map((await inChunks(file.subscriptions.map((s) => s.id), (ids) => this.orders.subscriptionsByIds(em, ids))).map((s) => [s.id, s]));
    const fresh: Subscription[] = [];
    for (const [i, s] of file.subscriptions.entries()) {
      const before = stored.get(s.id);
      if (!before) {
        fresh.push(Object.assign(new Subscription(), { ...s, createdAt: s.createdAt ?? now }));
        count.inserted += 1;
        continue;
      }
      const changed = changesOf(before, s);
      const moved = (['customerId', 'partnerId', 'offerId'] as const).find((field) => field in changed);
      if (moved) {
        const why = { customerId: 'a subscription cannot move to another customer', partnerId: 'a subscription cannot move to another partner', offerId: 'a subscription cannot change its offer' };
        throw new ImportError(`subscriptions[${i}].${moved}: ${why[moved]}.`);
      }
      if (Object.keys(changed).length === 0) count.unchanged += 1;
      else {
        await this.orders.updateSubscription(em, s.id, changed);
        count.updated += 1;
      }
    }
    await this.orders.insertSubscriptions(em, fresh);
  }

  /**
   * Acceptances are append-only: a known id must come back exactly as stored;
   * new ones are appended in the order they were recorded, through the same
   * rules as the API's (duplicate rule, numbering, current record, counts).
   */
  private async importAcceptances(em: EntityManager, file: Required<ImportFile>, agreements: Agreements, count: SectionCount): Promise<void> {
    const stored = new Map((await inChunks(file.acceptances.map((a) => a.id), (ids) => this.acceptances.withIds(em, ids))).map((a) => [a.id, a]));
    const fresh: { index: number; record: Omit<Acceptance, 'sequence' | 'agreementType'> }[] = [];
    for (const [index, a] of file.acceptances.entries()) {
      const record = { ...a, recordedBy: { userId: a.recordedBy.userId, role: a.recordedBy.role as Role } };
      const before = stored.get(a.id);
      if (!before) {
        fresh.push({ index, record });
        continue;
      }
      const changed = firstDifference(before, record);
      if (changed) {
        throw new ImportError(`acceptances[${index}].${changed}: acceptance ${a.id} is already recorded with another value; records are never changed.`);
      }
      count.unchanged += 1;
    }
    fresh.sort((x, y) => x.record.recordedAt.getTime() - y.record.recordedAt.getTime() || x.index - y.index);
    try {
      const partners = await inChunks(fresh.map((f) => f.record.partnerId), (ids) => this.partners.byIds(em, ids));
      const clouds = new Map(partners.map((p) => [p.id, p.cloud]));
      await this.acceptances.appendAll(em, agreements, fresh.map((f) => f.record), { clouds, reason: ChangeReason.ACCEPTANCE_RECORDED });
    } catch (error) {
      const at = (error as { index?: number }).index;
      if (error instanceof DomainError && at !== undefined) throw new ImportError(`acceptances[${fresh[at].index}]: ${error.message}`);
      throw error;
    }
    count.inserted += fresh.length;
  }

  /** A version's re-acceptance rule to publish; null when it is published already, exactly so. */
  private newRule(i: number, templateId: string, rule: { acceptedBefore: string; outdatedFrom: string }, stored: ReacceptanceRule | undefined): ReacceptanceRule | null {
    if (!stored) return Object.assign(new ReacceptanceRule(), { templateId, ...rule, activatedAt: null });
    if (stored.acceptedBefore === rule.acceptedBefore && stored.outdatedFrom === rule.outdatedFrom) return null;
    throw new ImportError(
      `agreements[${i}].reacceptance: template ${templateId} has a published re-acceptance rule (acceptedBefore ${stored.acceptedBefore}, outdatedFrom ${stored.outdatedFrom}), which cannot change.`,
    );
  }

  /** Counts rows as inserted (null: not stored), unchanged (no change) or updated. */
  private tally(count: SectionCount, changes: (object | null)[]): void {
    for (const change of changes) {
      if (change === null) count.inserted += 1;
      else if (Object.keys(change).length === 0) count.unchanged += 1;
      else count.updated += 1;
    }
  }
}
