import type { ServerResponse } from 'node:http';
import { AgreementType } from '../../agreements/agreement.entity';
import type { Services } from '../../services';
import { agreementTypeParameter, PARTNER_CENTER_TYPE } from '../partner-center/agreement-types';
import type { StreamHandler } from '../rest-handler';
import { ACCEPTANCE_STATUS_COLUMNS, acceptanceStatusPages } from './acceptance-status';
import { csvRecord } from './csv';

/** Writes a chunk; when the client reads slower than the report is made, waits until it has caught up (or gone). */
function write(res: ServerResponse, chunk: string): Promise<void> {
  if (res.destroyed || res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/**
 * GET /v1/reports/acceptance-status.csv: the acceptance status report as CSV,
 * streamed page by page, so that its size does not depend on the number of
 * customers. A refusal (role, agreement type) or a failure on the first page
 * is still an error response; later failures cut the connection. When the
 * client goes away, no further page is read.
 */
export function acceptanceStatusExport(services: Services): StreamHandler {
  return async (_req, res, caller, { url }) => {
    const type = agreementTypeParameter(url, AgreementType.MICROSOFT_CUSTOMER_AGREEMENT, false)!;
    const pages = acceptanceStatusPages(services, caller, type);
    let page = await pages.next();

    const day = services.clock.now().toISOString().slice(0, 10);
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="acceptance-status-${PARTNER_CENTER_TYPE[type]}-${day}.csv"`,
      'cache-control': 'no-store',
    });
    await write(res, csvRecord(ACCEPTANCE_STATUS_COLUMNS));
    while (!page.done && !res.destroyed) {
      await write(res, page.value.map((row) => csvRecord(ACCEPTANCE_STATUS_COLUMNS.map((column) => row[column]))).join(''));
      if (res.destroyed) break;
      page = await pages.next();
    }
    if (res.destroyed) {
      await pages.return(undefined);
      return;
    }
    res.end();
  };
}
