import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { type Clock, systemClock } from '../shared/clock';
import { checkDestination, type Destination, type DestinationPolicy, DestinationRefused, pinnedLookup, type Resolver, systemResolver } from './destination-guard';
import { type EndpointSecrets, secretsInEffect, signWebhook, type WebhookHeaders } from './webhook-signing';

/** One attempt to deliver one event to one endpoint. */
export interface WebhookAttempt {
  url: string;
  /** The event's id: the webhook-id header, the same on every attempt and redelivery. */
  eventId: string;
  /** The JSON body, sent and signed exactly as given. */
  body: string;
  secrets: EndpointSecrets;
}

export interface AttemptResult {
  /** HTTP status of the answer; null when none came (refused destination, connection error, timeout). */
  status: number | null;
  /** Why no answer came. */
  error?: string;
  /** From the start of the attempt (resolving the host included) to its end. */
  ms: number;
}

export type WebhookSender = (attempt: WebhookAttempt) => Promise<AttemptResult>;

export interface WebhookSenderOptions {
  policy: DestinationPolicy;
  /** The whole attempt ends after this long. */
  timeoutMs?: number;
  resolve?: Resolver;
  clock?: Clock;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const USER_AGENT = 'mca-acceptance-api-webhooks/1';
/** Of the answer only this much is read: its status decides, its body is not kept. */
const MAX_ANSWER_BYTES = 4096;

const CONNECTION_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

/** A 2xx answer delivers the event; anything else (3xx too: redirects are not followed) is a failed attempt. */
export const delivered = (result: AttemptResult) => result.status !== null && result.status >= 200 && result.status < 300;

/**
 * POSTs a signed delivery: checks the destination again (the policy of
 * registration), connects to the checked addresses only, signs with the
 * secrets in effect at the attempt's time.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { policy, timeoutMs = DEFAULT_TIMEOUT_MS, resolve = systemResolver, clock = systemClock } = options;
  return async (attempt) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const timedOut = new Promise<null>((done) => timeout.signal.addEventListener('abort', () => done(null)));
    try {
      const destination = await Promise.race([checkDestination(attempt.url, policy, resolve), timedOut]);
      if (!destination) return { status: null, error: `timed out after ${timeoutMs} ms`, ms: elapsed() };
      const now = clock.now();
      const headers = signWebhook(attempt.eventId, now, attempt.body, secretsInEffect(attempt.secrets, now));
      const answer = await post(destination, headers, attempt.body, timeout.signal);
      if (answer.status === null && timeout.signal.aborted) return { status: null, error: `timed out after ${timeoutMs} ms`, ms: elapsed() };
      return { ...answer, ms: elapsed() };
    } catch (error) {
      if (error instanceof DestinationRefused) return { status: null, error: `destination refused: the URL ${error.message}`, ms: elapsed() };
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

function post(destination: Destination, signature: WebhookHeaders, body: string, signal: AbortSignal): Promise<Omit<AttemptResult, 'ms'>> {
  return new Promise((resolve) => {
    const send = destination.url.protocol === 'https:' ? httpsRequest : httpRequest;
    let request: ClientRequest;
    let status: number | null = null;
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      request.destroy();
      resolve(error === undefined ? { status } : { status, error });
    };
    request = send(destination.url, {
      method: 'POST',
      headers: {
        ...signature,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': USER_AGENT,
      },
      lookup: pinnedLookup(destination.addresses),
      // A connection of its own: a pooled one may have been opened to another address.
      agent: false,
      signal,
    });
    request.on('response', (response) => {
      status = response.statusCode ?? null;
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= MAX_ANSWER_BYTES) finish();
      });
      response.on('end', () => finish());
      response.on('error', () => finish());
    });
    // Once the status has come, a failure while reading the body does not change the result.
    request.on('error', (error: NodeJS.ErrnoException) => finish(status === null ? describe(error) : undefined));
    request.end(body);
  });
}

function describe(error: NodeJS.ErrnoException): string {
  if (error.name === 'AbortError') return 'aborted';
  return (error.code && CONNECTION_ERRORS[error.code]) ?? error.code ?? error.message;
}
