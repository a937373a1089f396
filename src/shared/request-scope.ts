import { AsyncLocalStorage } from 'node:async_hooks';

/** What follows one HTTP request through every await: its id and the SQL it caused. */
export interface RequestScope {
  requestId: string;
  correlationId?: string;
  /** The signed-in caller's partner, once known. */
  partnerId?: string;
  statements: number;
}

const storage = new AsyncLocalStorage<RequestScope>();

export const runInRequestScope = <T>(scope: RequestScope, fn: () => T): T => storage.run(scope, fn);

export const currentRequestScope = (): RequestScope | undefined => storage.getStore();
