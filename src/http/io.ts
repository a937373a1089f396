import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpResult } from '../shared/http-result';

export type { HttpResult };

export const MAX_BODY_BYTES = 1024 * 1024;

/** The body, or null when it exceeds the limit (1 MB); the rest of an oversized body is left unread. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData).off('end', onEnd).off('error', reject);
        req.pause();
        resolve(null);
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

// Strict: bytes that are not UTF-8 are refused, never replaced by U+FFFD. The first keeps a byte order mark
// (JSON.parse then refuses it); the second drops one at the start, as RFC 8259 lets a parser do.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_WITHOUT_BOM = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON body: UTF-8, the encoding of JSON (RFC 8259), and JSON; else why not,
 * for a BAD_REQUEST. Text in another encoding is refused rather than stored altered.
 * `byteOrderMark: 'skip'` reads a body that starts with one, as .NET clients send it.
 */
export function parseJsonBody(raw: Buffer, options: { byteOrderMark?: 'refuse' | 'skip' } = {}): { value: unknown } | { refusal: string } {
  let text: string;
  try {
    text = (options.byteOrderMark === 'skip' ? UTF8_WITHOUT_BOM : UTF8).decode(raw);
  } catch {
    return { refusal: 'The request body is not UTF-8, the encoding of JSON.' };
  }
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { refusal: 'The request body is not valid JSON.' };
  }
}

/** GraphQL-shaped error body: `{ errors: [{ message, extensions: { code, ... } }] }`. */
export const errorBody = (code: string, message: string, extensions: Record<string, unknown> = {}) => ({
  errors: [{ message, extensions: { code, ...extensions } }],
});

export const jsonResult = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

export function send(res: ServerResponse, result: HttpResult): void {
  res.statusCode = result.status;
  for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
  res.end(result.body);
}

export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  send(res, jsonResult(status, body, headers));

/** Refuses an oversized body with 413 and closes the connection (the rest of the body is never read). */
export function sendTooLarge(req: IncomingMessage, res: ServerResponse, body: unknown): void {
  res.on('finish', () => req.socket.destroy());
  sendJson(res, 413, body, { connection: 'close' });
}

/**
 * Answers a request whose body has not been read (a caller refused before it
 * is looked at). When some of the body is still to come, the connection is
 * closed after the answer, so that the rest is never read.
 */
export function sendUnread(req: IncomingMessage, res: ServerResponse, result: HttpResult): void {
  if (req.complete) return send(res, result);
  res.on('finish', () => req.socket.destroy());
  send(res, { ...result, headers: { ...result.headers, connection: 'close' } });
}

/** One header's value (the first, when repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const TRACE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A tracing header (x-request-id, ms-requestid, ms-correlationid) when it holds a usable id, else undefined. */
export function traceHeader(req: IncomingMessage, name: string): string | undefined {
  const value = header(req, name);
  return value && TRACE_ID.test(value) ? value : undefined;
}
