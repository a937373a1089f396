import { createHash } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import { scrub } from '../shared/logger';
import { formatInstant } from './dates';
import { fillText, pickLanguage } from './messages';
import { fillHtml, html, safeHref } from './page/html';
import { requestTexts } from './request-texts';
import type { MailConfig } from './signing-config';
import type { SigningRequestView } from './signing-port';

/** What the e-mail to the signatory says, and where it goes. */
export interface SigningMailInput {
  /** The signatory's e-mail address. */
  to: string;
  request: Pick<SigningRequestView, 'language' | 'country' | 'expiresAt' | 'partnerName' | 'customerCompanyName' | 'signatory' | 'agreement'>;
  /** The link, as made with the token (signingUrl). */
  signingUrl: string;
  /** A stable id of this link (its token hash will do): the same link always gets the same Message-ID. */
  linkId: string;
}

/** A composed message: subject, plain text and HTML, in the request's language. */
export interface SigningMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<…@sender's domain>`, derived from the link: a retry of the same link is the same message to the receiving side. */
  messageId: string;
  language: string;
}

const domainOf = (from: string) => (/@([^@>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost').toLowerCase();

/** The message to the signatory: who asks to accept what, the link, and until when it is valid. */
export function composeSigningMail(input: SigningMailInput, from: string): SigningMail {
  const { request } = input;
  const language = pickLanguage(request.language);
  const m = language.messages;
  const t = requestTexts(language, request);
  const date = formatInstant(request.expiresAt, language, request.country);
  const values = { ...t, date };
  // Names are visible text already (no line breaks); a subject stays one line whatever it is given.
  const subject = fillText(m.mailSubject, values).replace(/\s+/g, ' ').trim();
  const text = [
    fillText(m.mailGreeting, values),
    '',
    fillText(m.mailIntro, values),
    '',
    fillText(m.mailAction, values),
    input.signingUrl,
    '',
    fillText(m.mailExpires, values),
    '',
    fillText(m.mailIgnore, values),
    '',
  ].join('\n');
  const href = safeHref(input.signingUrl) ?? '';
  const body = html`<!DOCTYPE html>
<html lang="${language.code}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1f2328;overflow-wrap:anywhere">
<div style="max-width:36rem;margin:0 auto">
<p>${fillHtml(m.mailGreeting, values)}</p>
<p>${fillHtml(m.mailIntro, values)}</p>
<p>${fillHtml(m.mailAction, values)}</p>
<p><a href="${href}" style="display:inline-block;padding:10px 20px;background:#0b57d0;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600">${m.mailButton}</a></p>
<p style="font-size:14px;color:#4b5563"><a href="${href}" style="color:#0b57d0">${input.signingUrl}</a></p>
<p>${fillHtml(m.mailExpires, values)}</p>
<p style="font-size:14px;color:#4b5563">${fillHtml(m.mailIgnore, values)}</p>
</div>
</body>
</html>
`;
  const id = createHash('sha256').update(`signing mail\n${input.linkId}`).digest('hex').slice(0, 32);
  return { from, to: input.to, subject, text, html: body.value, messageId: `<signing.${id}@${domainOf(from)}>`, language: language.code };
}

/** A send's result: sent, or why not and whether trying again later may help. */
export type MailSendResult =
  | { sent: true; messageId: string; response: string }
  | { sent: false; retry: boolean; reason: string };

/** The SMTP transport of SMTP_URL: one connection per message, short timeouts so a server that is down fails fast. */
export function createMailTransport(config: MailConfig): Transporter {
  return createTransport({
    url: config.smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/**
 * Sends one message, once (nodemailer does not retry by itself). A refusal by
 * the server (5xx: no such mailbox, message refused) will not change by itself:
 * `retry: false`. Anything else (server down, time-out, 4xx, authentication) may:
 * `retry: true`, to be tried again at nextMailAttemptAt.
 */
export async function sendSigningMail(transport: Transporter, mail: SigningMail): Promise<MailSendResult> {
  try {
    const info = await transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      headers: { 'Content-Language': mail.language, 'Auto-Submitted': 'auto-generated' },
    });
    if ((info.rejected ?? []).length > 0) return { sent: false, retry: false, reason: 'The recipient was refused.' };
    return { sent: true, messageId: mail.messageId, response: String(info.response ?? '') };
  } catch (error) {
    const e = error as Error & { code?: string; responseCode?: number };
    const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600 && e.code !== 'EAUTH';
    // The message may quote the address; the reason is kept and logged, so it is scrubbed.
    return { sent: false, retry: !permanent, reason: scrub(`${e.code ?? 'ERROR'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${e.message}`) };
  }
}

const MINUTE_MS = 60_000;

/** The wait after the n-th failed send in a row: 1, 2, 4, 8, 16, 32 minutes, then every hour. */
export const mailRetryDelayMs = (failures: number): number => Math.min(60, 2 ** Math.max(0, failures - 1)) * MINUTE_MS;

/** When to try again after `failures` failed sends, the last at `lastTriedAt`; null when that is not before the link expires. */
export function nextMailAttemptAt(failures: number, lastTriedAt: Date, expiresAt: Date): Date | null {
  const next = new Date(lastTriedAt.getTime() + mailRetryDelayMs(failures));
  return next.getTime() < expiresAt.getTime() ? next : null;
}
