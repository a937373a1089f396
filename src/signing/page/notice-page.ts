import { fillText, type Language } from '../messages';
import { html } from './html';
import { page, type PageResult } from './layout';

const notice = (status: number, language: Language, title: string, text: string, headers?: Record<string, string>): PageResult =>
  page({ status, language, title, body: html`<h1>${title}</h1>\n<p>${text}</p>`, headers });

/**
 * The one page for every link that is not valid: unknown, cancelled, expired or
 * malformed alike, the same status and bytes, so a page never tells a guessed
 * token from a real one.
 */
export const invalidLinkPage = (language: Language): PageResult => notice(404, language, language.messages.invalidTitle, language.messages.invalidText);

/** A request this server will not take: a post from another site, without our form's field, not a form, too large; another method. */
export const refusedPage = (language: Language, status: 400 | 403 | 405 | 413 | 415, headers?: Record<string, string>): PageResult =>
  notice(status, language, language.messages.refusedTitle, language.messages.refusedText, headers);

/** Over the tries allowed per client address. */
export const tooManyTriesPage = (language: Language, retryAfterSeconds: number): PageResult =>
  notice(429, language, language.messages.tooManyTitle, fillText(language.messages.tooManyText, { seconds: String(retryAfterSeconds) }), {
    'retry-after': String(retryAfterSeconds),
  });

/** Storage failed (503 when it did not answer, with Retry-After; 500 otherwise): nothing was recorded. */
export const unavailablePage = (language: Language, status: 500 | 503): PageResult =>
  notice(status, language, language.messages.unavailableTitle, language.messages.unavailableText, status === 503 ? { 'retry-after': '5' } : undefined);
