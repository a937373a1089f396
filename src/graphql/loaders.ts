import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import type { Acceptance } from '../acceptances/acceptance.entity';
import type { HistoryArgs } from '../acceptances/acceptance-history';
import type { AgreementDocument } from '../agreements/agreement-document.entity';
import { type AgreementTemplate, AgreementType } from '../agreements/agreement.entity';
import { type Caller, mayPerform } from '../auth/caller';
import { Operation } from '../auth/roles';
import type { Customer } from '../customers/customer.entity';
import type { Offer } from '../orders/offer.entity';
import type { Subscription } from '../orders/subscription.entity';
import type { Services } from '../services';
import type { AcceptanceRequest } from '../signing/acceptance-request.entity';
import { type AgreementStatus, agreementStatusOf } from '../status/agreement-status';

/** Groups keys that share arguments, so that each group is one statement. */
function grouped<K, V>(argsOf: (key: K) => string, load: (keys: K[]) => Promise<V[]>): (keys: readonly K[]) => Promise<V[]> {
  return async (keys) => {
    const groups = new Map<string, number[]>();
    keys.forEach((key, index) => {
      const args = argsOf(key);
      const group = groups.get(args);
      if (group) group.push(index);
      else groups.set(args, [index]);
    });
    const results = new Array<V>(keys.length);
    await Promise.all(
      [...groups.values()].map(async (indexes) => {
        const values = await load(indexes.map((i) => keys[i]));
        indexes.forEach((i, n) => (results[i] = values[n]));
      }),
    );
    return results;
  };
}

export interface HistoryKey extends HistoryArgs {
  customerId: string;
}

const MCA = AgreementType.MICROSOFT_CUSTOMER_AGREEMENT;

/**
 * The per-request DataLoaders, over the request's unit of work `em`: every
 * list of customers, however long, reads statuses, acceptances, histories and
 * subscriptions with one statement each; every list of versions, their documents with one.
 */
export function createLoaders(services: Services, caller: Caller, em: EntityManager) {
  const statusLoaders = new Map<AgreementType, DataLoader<string, AgreementStatus>>();
  const openRequestLoaders = new Map<AgreementType, DataLoader<string, AcceptanceRequest | null>>();
  const historyKey = (k: HistoryKey) => `${k.type ?? ''}|${k.first}|${k.after ?? ''}`;
  const loaders = {
    /** Every agreement version, as the process knows them. */
    templates: (): Promise<AgreementTemplate[]> => services.catalogue.templates(em),
    /** Each version's documents, in their order: one statement for every version a response names. */
    documents: new DataLoader<string, AgreementDocument[]>((templateIds) => services.catalogue.documentsOf(em, templateIds)),
    /** A customer, read with its MCA status and current acceptance, which prime their loaders. */
    customer: new DataLoader<string, Customer | null>(async (ids) => {
      const [found, basis] = await Promise.all([services.history.customersWithCurrent(em, caller, MCA, ids), services.catalogue.basis(em, MCA)]);
      const mayReadAcceptances = mayPerform(caller, Operation.READ_ACCEPTANCES);
      const byId = new Map(found.map((row) => [row.customerId, row]));
      for (const row of found) {
        loaders.status(MCA).prime(row.customerId, agreementStatusOf(MCA, caller.partner.cloud, row.current, basis, row.customerId));
        if (row.acceptance && mayReadAcceptances) loaders.acceptance.prime(row.acceptance.id, row.acceptance);
      }
      return ids.map((id) => byId.get(id)?.customer ?? null);
    }),
    status(type: AgreementType): DataLoader<string, AgreementStatus> {
      let loader = statusLoaders.get(type);
      if (!loader) {
        loader = new DataLoader((ids) => services.customers.statusesOf(em, caller, type, ids));
        statusLoaders.set(type, loader);
      }
      return loader;
    },
    /** The newest open acceptance request of the caller's partner per customer, of one type. */
    openRequest(type: AgreementType): DataLoader<string, AcceptanceRequest | null> {
      let loader = openRequestLoaders.get(type);
      if (!loader) {
        loader = new DataLoader((ids) => services.acceptanceRequests.openRequests(em, caller, ids, type));
        openRequestLoaders.set(type, loader);
      }
      return loader;
    },
    acceptance: new DataLoader<string, Acceptance | null>((ids) => services.history.byIds(em, caller, ids)),
    history: new DataLoader<HistoryKey, Acceptance[], string>(
      grouped(historyKey, (keys) => services.history.pages(em, caller, keys.map((k) => k.customerId), keys[0])),
      { cacheKeyFn: (k) => `${historyKey(k)}|${k.customerId}` },
    ),
    historyCount: new DataLoader<{ customerId: string; type: AgreementType | null }, number, string>(
      grouped(
        (k) => k.type ?? '',
        (keys) => services.history.counts(em, caller, keys.map((k) => k.customerId), keys[0].type),
      ),
      { cacheKeyFn: (k) => `${k.type ?? ''}|${k.customerId}` },
    ),
    subscriptions: new DataLoader<string, Subscription[]>((ids) => services.orders.subscriptionsOf(em, caller, ids)),
    offer: new DataLoader<string, Offer | null>((ids) => services.orders.offersByIds(em, ids)),
  };
  return loaders;
}

export type Loaders = ReturnType<typeof createLoaders>;
