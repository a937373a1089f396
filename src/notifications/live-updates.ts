import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../shared/logger';

/** A customer's status changed (for any reason): what its partner's subscribers are told, after the commit. */
export interface StatusChangeMessage {
  partnerId: string;
  customerId: string;
  agreementType: string;
  /** The status code before the change. */
  previous: string;
  /** The status code now. */
  status: string;
  /** ACCEPTANCE_RECORDED, NEW_VERSION, REACCEPTANCE_RULE or REQUEST_FINALIZED. */
  reason: string;
  /** When it changed, ISO 8601. */
  at: string;
}

export type StatusChangeListener = (message: StatusChangeMessage) => void;

/**
 * Status changes, per partner, to whoever listens in any server process. Best
 * effort: a message published while a process is cut off from Redis does not
 * reach its listeners (webhooks are the delivery that is retried).
 */
export interface LiveUpdates {
  /** Sends a message to the listeners of its partner; never fails the caller (a failure is logged). */
  publish(message: StatusChangeMessage): Promise<void>;
  /** Resolves, once messages published from then on will arrive, with the function that stops listening. */
  subscribe(partnerId: string, listener: StatusChangeListener): Promise<() => void>;
  /** Stops, once the messages being published have been sent (or given up). */
  close(): Promise<void>;
}

/** Listeners of one process only: enough with one server process (WORKERS=1). */
export function inProcessLiveUpdates(): LiveUpdates {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(message) {
      emitter.emit(message.partnerId, message);
    },
    async subscribe(partnerId, listener) {
      const safe = guarded(listener);
      emitter.on(partnerId, safe);
      return () => emitter.off(partnerId, safe);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export interface RedisLiveUpdatesOptions {
  logger?: Logger;
  /** Channels are `<prefix><partnerId>`; Redis channels ignore the database number, so deployments sharing a server need their own prefix. */
  channelPrefix?: string;
}

export const DEFAULT_CHANNEL_PREFIX = 'mca-acceptance-api:status-changes:';

/**
 * Through Redis publish/subscribe: a channel per partner, one connection per
 * process to publish and one to listen, subscribed to the channels of the
 * partners that have listeners in this process (so a process receives only
 * what someone in it waits for). Messages of one process arrive in the order
 * it published them.
 */
export function redisLiveUpdates(redisUrl: string, options: RedisLiveUpdatesOptions = {}): LiveUpdates {
  const { logger, channelPrefix = DEFAULT_CHANNEL_PREFIX } = options;
  // ioredis connects at once, queues commands until it is connected, reconnects by itself and then subscribes
  // again to every channel it had. A publish gives up after two reconnection attempts rather than hold a request.
  // disconnectTimeout: closing a connection that is down arms a timer that would hold the process for 2 s.
  const publisher = new Redis(redisUrl, { maxRetriesPerRequest: 2, disconnectTimeout: 200 });
  // No ready check on the listening connection: SUBSCRIBE may be sent while it connects (Redis allows it during
  // loading), and the ready check's INFO after it is refused in subscriber mode, which failed the connection and
  // lost a subscription made just after start-up.
  const subscriber = new Redis(redisUrl, { disconnectTimeout: 200, enableReadyCheck: false });
  for (const connection of [publisher, subscriber]) {
    connection.on('error', (error) => logger?.warn({ err: error }, 'live updates: Redis connection error'));
  }
  const channels = new Map<string, { listeners: Set<StatusChangeListener>; subscribed: Promise<unknown> }>();

  subscriber.on('message', (channel: string, text: string) => {
    const entry = channels.get(channel);
    if (!entry) return;
    let message: StatusChangeMessage;
    try {
      message = JSON.parse(text) as StatusChangeMessage;
    } catch (error) {
      logger?.warn({ err: error, channel }, 'live updates: a message that is not JSON was ignored');
      return;
    }
    for (const listener of entry.listeners) listener(message);
  });

  /** Messages being published: closing waits for them (a short-lived process, the CLI, publishes just before it ends). */
  const publishing = new Set<Promise<void>>();

  return {
    async publish(message) {
      const sent = publisher.publish(channelPrefix + message.partnerId, JSON.stringify(message)).then(
        () => undefined,
        (error: unknown) => logger?.warn({ err: error, partnerId: message.partnerId }, 'live updates: a status change could not be published'),
      );
      publishing.add(sent);
      await sent;
      publishing.delete(sent);
    },
    async subscribe(partnerId, listener) {
      const channel = channelPrefix + partnerId;
      let entry = channels.get(channel);
      // Commands on one connection run in order, so an UNSUBSCRIBE still under way cannot undo this SUBSCRIBE.
      if (!entry) channels.set(channel, (entry = { listeners: new Set(), subscribed: subscriber.subscribe(channel) }));
      const { listeners } = entry;
      const safe = guarded(listener, logger);
      listeners.add(safe);
      const stop = () => {
        if (!listeners.delete(safe) || listeners.size > 0 || channels.get(channel) !== entry) return;
        channels.delete(channel);
        subscriber.unsubscribe(channel).catch((error) => logger?.warn({ err: error, channel }, 'live updates: unsubscribe failed'));
      };
      try {
        await entry.subscribed;
      } catch (error) {
        stop();
        throw error;
      }
      return stop;
    },
    async close() {
      channels.clear();
      await Promise.all([...publishing]);
      // quit() lets replies under way arrive; a connection not up (Redis unreachable) just stops reconnecting.
      await Promise.allSettled(
        [publisher, subscriber].map(async (connection) => {
          if (connection.status === 'ready') await connection.quit();
          else connection.disconnect();
        }),
      );
    },
  };
}

/** Redis when REDIS_URL is set (every process hears every change), else this process only. */
export function liveUpdatesFrom(redisUrl: string | undefined, options: RedisLiveUpdatesOptions = {}): LiveUpdates {
  return redisUrl ? redisLiveUpdates(redisUrl, options) : inProcessLiveUpdates();
}

/** A listener that throws must not keep the message from the others. */
function guarded(listener: StatusChangeListener, logger?: Logger): StatusChangeListener {
  return (message) => {
    try {
      listener(message);
    } catch (error) {
      logger?.error({ err: error }, 'live updates: a listener failed');
    }
  };
}

export interface StatusChangeFilter {
  /** Only this agreement type. */
  agreementType?: string;
  /** Only these customers (an empty list: none). */
  customerIds?: readonly string[];
}

/** Messages a subscriber may fall behind by before its stream ends with an error. */
export const MAX_QUEUED_MESSAGES = 1000;

/**
 * The status changes of one partner's customers, as an async iterator for a
 * GraphQL subscription: listening once it resolves, filtered, and no longer
 * listening after return() (the client completed or went away). A consumer
 * that falls MAX_QUEUED_MESSAGES behind gets an error instead of unbounded memory.
 */
export async function statusChanges(bus: LiveUpdates, partnerId: string, filter: StatusChangeFilter = {}): Promise<AsyncIterableIterator<StatusChangeMessage>> {
  const customers = filter.customerIds ? new Set(filter.customerIds) : undefined;
  const queue: StatusChangeMessage[] = [];
  const waiting: ((result: IteratorResult<StatusChangeMessage>) => void)[] = [];
  let ended = false;
  let failure: Error | undefined;
  let stopListening = () => {};

  const end = () => {
    if (ended) return;
    ended = true;
    stopListening();
    for (const wake of waiting.splice(0)) wake({ value: undefined, done: true });
  };

  stopListening = await bus.subscribe(partnerId, (message) => {
    if (ended || message.partnerId !== partnerId) return;
    if (filter.agreementType !== undefined && message.agreementType !== filter.agreementType) return;
    if (customers && !customers.has(message.customerId)) return;
    const wake = waiting.shift();
    if (wake) wake({ value: message, done: false });
    else if (queue.length < MAX_QUEUED_MESSAGES) queue.push(message);
    else {
      failure = new Error(`The subscriber fell ${MAX_QUEUED_MESSAGES} status changes behind; subscribe again.`);
      end();
    }
  });

  const iterator: AsyncIterableIterator<StatusChangeMessage> = {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (failure) {
        const error = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((wake) => waiting.push(wake));
    },
    return() {
      queue.length = 0;
      failure = undefined;
      end();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
