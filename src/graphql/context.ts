import type { EntityManager } from 'typeorm';
import type { Caller } from '../auth/caller';
import type { Services } from '../services';
import type { Loaders } from './loaders';

/**
 * What every resolver gets: the signed-in caller, the request's unit of work
 * (a read, or one transaction for a mutation), this request's loaders, the services.
 */
export interface Context {
  caller: Caller;
  requestId: string;
  em: EntityManager;
  loaders: Loaders;
  services: Services;
}
