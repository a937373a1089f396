import DataLoader from 'dataloader';
import type { AgreementStatus } from '../acceptances/agreement-status';
import type { Acceptance } from '../acceptances/acceptance.entity';
import type { HistoryArgs } from '../acceptances/acceptance-history';
import { type AgreementTemplate, AgreementType } from '../agreements/agreement.entity';
import { loadTemplates } from '../agreements/templates';
import type { Caller } from '../auth/caller';
import { Operation, roleUsed } from '../auth/roles';
import type { Customer } from '../customers/customer.entity';
import type { Offer } from '../orders/offer.entity';
import type { Subscription } from '../orders/subscription.entity';
import type { Services } from '../services';

/** Groups keys that share arguments, so that each group is one statement. */
function grouped<K, V>(
  argsOf: (key: K) => string,
  load: (keys: K[]) => Promise<V[]>,
): (keys: readonly K[]) => Promise<V[]> {
  return async (keys) => {
    const groups = new Map<string, number[]>();
    keys.forEach((key, index) => {
      const args = argsOf(key);
      groups.set(args, [...(groups.get(args) ?? []), index]);
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

/**
 * The per-request DataLoaders: every list of customers, however long, reads
 * statuses, acceptances, histories and subscriptions with one statement each.
 */
export function createLoaders(services: Services, caller: Caller) {
  let templates: Promise<AgreementTemplate[]> | undefined;
  const statusLoaders = new Map<AgreementType, DataLoader<string, AgreementStatus>>();
  const historyKey = (k: HistoryKey) => `${k.type ?? ''}|${k.first}|${k.after ?? ''}`;
  const loaders = {
    /** Every agreement template, read once per request. */
    templates: () => (templates ??= loadTemplates(services.db)),
    /** A customer, read with its MCA status and current acceptance, which prime their loaders. */
    customer: new DataLoader<string, Customer | null>(async (ids) => {
      const found = await services.customers.byIdsWithStatus(caller, AgreementType.MICROSOFT_CUSTOMER_AGREEMENT, ids);
      const mayReadAcceptances = roleUsed(Operation.READ_ACCEPTANCES, caller.roles) !== undefined;
      for (const entry of found) {
        if (!entry) continue;
        loaders.status(AgreementType.MICROSOFT_CUSTOMER_AGREEMENT).prime(entry.customer.id, entry.status);
        if (entry.acceptance && mayReadAcceptances) loaders.acceptance.prime(entry.acceptance.id, entry.acceptance);
      }
      return found.map((entry) => entry?.customer ?? null);
    }),
    status(type: AgreementType): DataLoader<string, AgreementStatus> {
      let loader = statusLoaders.get(type);
      if (!loader) {
        loader = new DataLoader((ids) => services.customers.statuses(caller, type, ids));
        statusLoaders.set(type, loader);
      }
      return loader;
    },
    acceptance: new DataLoader<string, Acceptance | null>((ids) => services.history.byIds(caller, ids)),
    history: new DataLoader<HistoryKey, Acceptance[], string>(
      grouped(historyKey, (keys) => services.history.pages(caller, keys.map((k) => k.customerId), keys[0])),
      { cacheKeyFn: (k) => `${historyKey(k)}|${k.customerId}` },
    ),
    historyCount: new DataLoader<{ customerId: string; type: AgreementType | null }, number, string>(
      grouped(
        (k) => k.type ?? '',
        (keys) => services.history.counts(caller, keys.map((k) => k.customerId), keys[0].type),
      ),
      { cacheKeyFn: (k) => `${k.type ?? ''}|${k.customerId}` },
    ),
    subscriptions: new DataLoader<string, Subscription[]>((ids) => services.catalogue.subscriptionsOf(caller, ids)),
    offer: new DataLoader<string, Offer | null>((ids) => services.catalogue.offersByIds(ids)),
  };
  return loaders;
}

export type Loaders = ReturnType<typeof createLoaders>;
