import { formatInstant } from '../dates';
import { fillText, type Language } from '../messages';
import { requestTexts } from '../request-texts';
import type { SigningRequestView } from '../signing-port';
import { fillHtml, html } from './html';
import { page, type PageResult } from './layout';

/** What an answered link shows instead of the form: accepted (SIGNED, FINALIZED) or declined, when, and the reason given. */
export function outcomePage(request: SigningRequestView, language: Language, outcome: 'accepted' | 'declined'): PageResult {
  const m = language.messages;
  const t = requestTexts(language, request);
  const answeredAt = request.answeredAt ?? request.expiresAt;
  const date = html`<time datetime="${answeredAt.toISOString()}">${formatInstant(answeredAt, language, request.country)}</time>`;
  const title = outcome === 'accepted' ? m.acceptedTitle : m.declinedTitle;
  const body = html`<h1>${title}</h1>
<p>${fillHtml(outcome === 'accepted' ? m.acceptedText : m.declinedText, { ...t, date })}</p>
${outcome === 'declined' && request.declineReason ? html`<h2>${m.declinedReason}</h2>\n<p class="reason">${request.declineReason}</p>\n` : ''}<p>${m.outcomeClose}</p>`;
  return page({ status: 200, language, title: `${title}: ${fillText(m.pageTitle, t)}`, body });
}
