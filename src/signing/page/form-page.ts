import { formatInstant } from '../dates';
import { fillText, type Language } from '../messages';
import type { Catalogue } from '../messages/catalogue';
import { requestTexts } from '../request-texts';
import type { SigningRequestView } from '../signing-port';
import { fillHtml, html, safeHref } from './html';
import { page, type PageResult } from './layout';

/** A link when the address is http(s), else the address as text. */
const link = (uri: string, text: string) => {
  const href = safeHref(uri);
  return href ? html`<a href="${href}" rel="noreferrer noopener">${text}</a>` : html`${text}`;
};

export type AcceptProblem = 'checkbox' | 'nameMissing' | 'nameMismatch';

export interface FormPageModel {
  request: SigningRequestView;
  language: Language;
  /** The anti-forgery field both forms carry. */
  formField: string;
  /** The local-date script's absolute URL. */
  scriptUrl: string;
  /** A redisplay: what was wrong, and what the signatory had entered. */
  problems?: { accept?: AcceptProblem[]; reason?: boolean; stale?: boolean };
  typedName?: string;
  reason?: string;
}

const ERROR_TEXT: Readonly<Record<AcceptProblem, keyof Catalogue>> = {
  checkbox: 'errorCheckbox',
  nameMissing: 'errorNameMissing',
  nameMismatch: 'errorNameMismatch',
};

/**
 * The signing form: who asks whom to accept what, the document to read, when the
 * link expires; accept (box and full name) or decline (optional reason). 200, or
 * 422 when shown again with what was wrong.
 */
export function formPage(model: FormPageModel): PageResult {
  const { request, language, problems = {} } = model;
  const m = language.messages;
  const t = requestTexts(language, request);
  const acceptProblems = problems.accept ?? [];
  const boxWrong = acceptProblems.includes('checkbox');
  const nameWrong = acceptProblems.includes('nameMissing') || acceptProblems.includes('nameMismatch');
  const errorList = (ids: string, items: string[]) =>
    html`<div class="errors" id="${ids}"><p>${m.errorHeading}</p><ul>${items.map((item) => html`<li>${item}</li>`)}</ul></div>`;
  const hidden = html`<input type="hidden" name="form" value="${model.formField}">`;

  const body = html`<h1>${fillHtml(m.formHeading, t)}</h1>
<p>${fillHtml(m.formIntro, t)}</p>
<dl>
<dt>${m.partnerLabel}</dt><dd>${t.partner}</dd>
<dt>${m.customerLabel}</dt><dd>${t.customer}</dd>
<dt>${m.signatoryLabel}</dt><dd>${t.name}</dd>
<dt>${m.agreementLabel}</dt><dd>${link(request.agreement.link, fillText(m.agreementVersion, t))}</dd>
<dt>${m.documentLabel}</dt><dd>${link(request.documentUri, request.documentUri)}</dd>
<dt>${m.expiresLabel}</dt><dd><time datetime="${request.expiresAt.toISOString()}">${formatInstant(request.expiresAt, language, request.country)}</time></dd>
</dl>
${problems.stale ? html`<div class="errors" role="alert"><p>${m.errorFormStale}</p></div>\n` : ''}<form method="post" id="accept-form">
<h2>${m.acceptHeading}</h2>
${acceptProblems.length ? errorList('accept-errors', acceptProblems.map((p) => fillText(m[ERROR_TEXT[p]], t))) : ''}
<input type="hidden" name="action" value="accept">
${hidden}
<input type="hidden" name="localDate" value="">
<label class="check" for="accept"><input type="checkbox" id="accept" name="accept" value="yes" aria-required="true"${boxWrong ? html` aria-invalid="true" aria-describedby="accept-errors"` : ''}> <span>${fillHtml(m.acceptCheckbox, t)}</span></label>
<label for="fullName">${m.fullNameLabel} (${m.required})</label>
<input type="text" id="fullName" name="fullName" autocomplete="name" maxlength="250" aria-required="true" value="${model.typedName ?? ''}" aria-describedby="fullName-hint${nameWrong ? ' accept-errors' : ''}"${nameWrong ? html` aria-invalid="true"` : ''}>
<p class="hint" id="fullName-hint">${fillHtml(m.fullNameHint, t)}</p>
<button type="submit" name="submit" value="accept">${m.acceptButton}</button>
</form>
<form method="post" id="decline-form">
<h2>${m.declineHeading}</h2>
${problems.reason ? errorList('decline-errors', [m.errorReason]) : ''}
<input type="hidden" name="action" value="decline">
${hidden}
<label for="reason">${m.declineReasonLabel}</label>
<textarea id="reason" name="reason" maxlength="1000" rows="4"${problems.reason ? html` aria-invalid="true" aria-describedby="decline-errors"` : ''}>${model.reason ?? ''}</textarea>
<button type="submit" name="submit" value="decline" class="secondary">${m.declineButton}</button>
</form>`;
  const redisplay = acceptProblems.length > 0 || problems.reason === true || problems.stale === true;
  return page({ status: redisplay ? 422 : 200, language, title: fillText(m.pageTitle, t), body, scriptUrl: model.scriptUrl });
}

