import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntityManager } from 'typeorm';
import type { Caller } from '../auth/caller';
import type { HttpResult } from '../http/io';
import { refusalResult } from './partner-center/errors';

export interface RouteMatch {
  url: URL;
  /** Path parameters by name. */
  params: Readonly<Record<string, string>>;
}

/**
 * A REST operation that answers with a complete response, within the
 * request's unit of work `em` (a read for GET, one transaction for POST): for
 * a POST, what an idempotent replay (by MS-RequestId) would store and send again.
 */
export type RestHandler = (req: IncomingMessage, body: unknown, caller: Caller, route: RouteMatch, em: EntityManager) => Promise<HttpResult>;

/** A REST operation that streams its answer itself (after any refusal it can make has been thrown), reading as it goes. */
export type StreamHandler = (req: IncomingMessage, res: ServerResponse, caller: Caller, route: RouteMatch) => Promise<void>;

/** Refusals the handler throws become its answer, so that a complete result (refusals included) comes out of it. */
export const answering =
  (handle: RestHandler): RestHandler =>
  async (...args) => {
    try {
      return await handle(...args);
    } catch (error) {
      const refusal = refusalResult(error);
      if (refusal) return refusal;
      throw error;
    }
  };
