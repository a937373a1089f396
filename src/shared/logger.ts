import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const EMAIL = /[^\s@'"<>(),;:/\\]+@[^\s@'"<>(),;:/\\]+\.[A-Za-z]{2,}/g;
// A phone number: 7 or more digits among spaces and + - ( ) . , standing on its own (not inside an id).
const PHONE = /(?<![\w-])\+?\(?\d[\d ().-]{5,}\d(?![\w-])/g;
const TOKEN = /eyJ[\w-]+\.[\w-]+\.[\w-]*/g;

/** Removes e-mail addresses, phone numbers and bearer tokens from text that may quote input (error messages). */
export const scrub = (text: string) =>
  text
    .replace(TOKEN, '[token]')
    .replace(EMAIL, '[email]')
    .replace(PHONE, (match) => ((match.match(/\d/g)?.length ?? 0) >= 7 ? '[number]' : match));

/**
 * Error fields worth logging. SQL parameters (contact details) and raw driver
 * objects are left out; the message and stack, which may quote a value (a
 * duplicate key, say), are scrubbed.
 */
function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: scrub(String(error)) };
  const e = error as Error & { code?: string; driverError?: { code?: string } };
  return {
    type: e.name,
    message: scrub(e.message),
    code: e.code ?? e.driverError?.code,
    stack: e.stack ? scrub(e.stack) : undefined,
  };
}

/**
 * Structured JSON logs on stdout. Tokens, e-mail addresses and phone numbers
 * never reach them: log lines carry ids and codes only, authorization headers
 * are redacted, and errors are reduced and scrubbed.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      serializers: { err: serializeError, error: serializeError },
      redact: { paths: ['authorization', '*.authorization', '*.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    destination,
  );
}
