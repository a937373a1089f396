import { randomUUID } from 'node:crypto';
import { execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Caller } from '../auth/caller';
import type { LiveUpdates } from '../notifications/live-updates';
import type { LiveContext } from '../notifications/status-change.resolver';
import type { Services } from '../services';
import { createLoaders } from './loaders';

/**
 * The context of a subscription, and how each of its messages is made: in a
 * read of its own, with loaders of its own, so that a message shows what is
 * committed when it is sent (never what an earlier message of the same
 * subscription had read).
 */
export function subscriptionExecution(services: Services, live: LiveUpdates) {
  return {
    context: (caller: Caller): LiveContext => ({
      caller,
      live,
      services,
      requestId: randomUUID(),
      // Set for each message by executeEvent; the subscription's own resolver (subscribe) reads nothing.
      em: services.db.dataSource.manager,
      loaders: createLoaders(services, caller, services.db.dataSource.manager),
    }),
    executeEvent: (args: ExecutionArgs): Promise<ExecutionResult> =>
      services.db.read(async (em) => {
        const context = args.contextValue as LiveContext;
        return execute({ ...args, contextValue: { ...context, em, loaders: createLoaders(services, context.caller, em) } });
      }),
  };
}
