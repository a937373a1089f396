import type { Logger } from '../shared/logger';
import type { Outbox, StatusChange } from '../status/outbox';
import { StatusEventType } from '../status/status-event.entity';
import type { LiveUpdates, StatusChangeMessage } from './live-updates';

/**
 * Publishes every status change this process commits, once committed, in the
 * order of the commits: the outbox tells of them after the transaction that
 * wrote them; a change rolled back was never told.
 */
export function publishCommittedStatusChanges(outbox: Outbox, live: LiveUpdates, logger?: Logger): void {
  outbox.onCommitted((events) => {
    for (const event of events) {
      if (event.type !== StatusEventType.AGREEMENT_STATUS_CHANGED) continue;
      let message: StatusChangeMessage;
      try {
        message = messageOf((JSON.parse(event.body) as { data: StatusChange }).data);
      } catch (error) {
        logger?.error({ err: error, eventId: event.id }, 'live updates: a status change event could not be read');
        continue;
      }
      // publish never fails; it logs what it could not send.
      void live.publish(message);
    }
  });
}

/** What subscribers are sent of a status change. */
const messageOf = (change: StatusChange): StatusChangeMessage => ({
  partnerId: change.partnerId,
  customerId: change.customerId,
  agreementType: change.agreementType,
  previous: change.previous,
  status: change.status,
  reason: change.reason,
  at: change.at,
});
