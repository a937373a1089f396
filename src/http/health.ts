import type { ServerResponse } from 'node:http';
import type { Database } from '../shared/unit-of-work';
import { sendJson } from './io';

/** /healthz: the process is up. /readyz: it may take requests: not shutting down, and the database answers. */
export function health(db: Database, draining: () => boolean) {
  return {
    live: (res: ServerResponse) => sendJson(res, 200, { status: 'ok' }),
    async ready(res: ServerResponse): Promise<void> {
      if (draining()) return sendJson(res, 503, { status: 'shutting down' });
      try {
        await db.read((em) => em.query('SELECT 1'));
        sendJson(res, 200, { status: 'ready' });
      } catch {
        sendJson(res, 503, { status: 'database unavailable' });
      }
    },
  };
}
