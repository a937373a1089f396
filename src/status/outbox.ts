import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Clock } from '../shared/clock';
import type { Database } from '../shared/unit-of-work';
import { type StatusEvent, StatusEventType } from './status-event.entity';
import type { StatusEventRepository } from './status-event.repository';
import type { AgreementStatusCode } from './status';

/** Why a status changed. */
export enum ChangeReason {
  ACCEPTANCE_RECORDED = 'ACCEPTANCE_RECORDED',
  NEW_VERSION = 'NEW_VERSION',
  REACCEPTANCE_RULE = 'REACCEPTANCE_RULE',
  REQUEST_FINALIZED = 'REQUEST_FINALIZED',
}

/** A status change, as subscribers and webhook receivers are told of it. */
export interface StatusChange {
  partnerId: string;
  customerId: string;
  agreementType: string;
  previous: AgreementStatusCode;
  status: AgreementStatusCode;
  canTransact: boolean;
  outdatedFrom: string | null;
  reason: ChangeReason;
  at: string;
}

/** An event to record: its type and data; its id, time and body are made here. */
export interface NewEvent {
  type: StatusEventType;
  partnerId: string;
  customerId: string;
  agreementType: string;
  data: Record<string, unknown>;
}

/** What a recorded acceptance tells (no contact details: the acceptance id leads to them for those who may read it). */
export const acceptanceRecorded = (a: {
  id: string;
  partnerId: string;
  customerId: string;
  agreementType: string;
  templateId: string;
  method: string;
  channel: string;
  dateAgreed: string;
  recordedAt: Date;
}): NewEvent => ({
  type: StatusEventType.ACCEPTANCE_RECORDED,
  partnerId: a.partnerId,
  customerId: a.customerId,
  agreementType: a.agreementType,
  data: {
    partnerId: a.partnerId,
    customerId: a.customerId,
    agreementType: a.agreementType,
    acceptanceId: a.id,
    templateId: a.templateId,
    method: a.method,
    channel: a.channel,
    dateAgreed: a.dateAgreed,
    recordedAt: a.recordedAt.toISOString(),
  },
});

export const statusChanged = (change: StatusChange): NewEvent => ({
  type: StatusEventType.AGREEMENT_STATUS_CHANGED,
  partnerId: change.partnerId,
  customerId: change.customerId,
  agreementType: change.agreementType,
  data: { ...change },
});

export const statusWillChange = (change: {
  partnerId: string;
  customerId: string;
  agreementType: string;
  status: AgreementStatusCode;
  outdatedFrom: string;
  reason: ChangeReason;
}): NewEvent => ({
  type: StatusEventType.AGREEMENT_STATUS_WILL_CHANGE,
  partnerId: change.partnerId,
  customerId: change.customerId,
  agreementType: change.agreementType,
  data: { ...change },
});

/**
 * The outbox: events are written within the unit of work that causes them, so
 * a change that rolls back leaves none; what delivers them (webhooks, live
 * subscriptions) hears of them once that unit has committed.
 */
export class Outbox {
  private readonly listeners: ((events: readonly StatusEvent[]) => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly events: StatusEventRepository,
    private readonly clock: Clock,
  ) {}

  async record(em: EntityManager, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const occurredAt = this.clock.now();
    const stored = events.map((event) => ({
      id: randomUUID(),
      partnerId: event.partnerId,
      customerId: event.customerId,
      agreementType: event.agreementType,
      type: event.type,
      body: JSON.stringify({ type: event.type, timestamp: occurredAt.toISOString(), data: event.data }),
      occurredAt,
    }));
    await this.events.insert(em, stored);
    this.db.afterCommit(em, () => {
      for (const listener of this.listeners) listener(stored.map((e) => ({ ...e, position: 0, dispatched: false })));
    });
  }

  /** Hears of events once they are committed (in the process that wrote them). */
  onCommitted(listener: (events: readonly StatusEvent[]) => void): void {
    this.listeners.push(listener);
  }
}
