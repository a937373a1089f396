import type { Caller } from '../auth/caller';
import type { Services } from '../services';
import type { Loaders } from './loaders';

/** What every resolver gets: the signed-in caller, this request's loaders, the services. */
export interface Context {
  caller: Caller;
  requestId: string;
  loaders: Loaders;
  services: Services;
}
