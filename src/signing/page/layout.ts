import { createHash } from 'node:crypto';
import type { Language } from '../messages';
import { type Html, html, raw } from './html';

/** A response as the handler sends it: the same shape as the server's other results. */
export interface PageResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The one stylesheet, inline; the Content-Security-Policy allows it by its hash and nothing else. */
const CSS = [
  '*,*::before,*::after{box-sizing:border-box}',
  'html{-webkit-text-size-adjust:100%;text-size-adjust:100%}',
  'body{margin:0;background:#f3f4f6;color:#1f2328;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans KR","Malgun Gothic","Apple SD Gothic Neo","NanumGothic",sans-serif;overflow-wrap:anywhere}',
  ':lang(ko){word-break:keep-all}',
  'main{max-width:40rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh}',
  'h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}',
  'h2{font-size:1.15rem;margin:0 0 .5rem}',
  'p{margin:0 0 1rem}',
  'a{color:#0b57d0}',
  'dl{margin:0 0 1.5rem;padding:0}',
  'dt{font-weight:600;margin-top:.75rem}',
  'dd{margin:0}',
  'form{margin:0 0 1.5rem;padding:1rem;border:1px solid #c9ccd1;border-radius:.5rem}',
  'label{display:block;margin:1rem 0 .25rem;font-weight:600}',
  'label.check{display:flex;gap:.6rem;align-items:flex-start;margin-top:0;font-weight:400}',
  'label.check input{flex:none;width:1.25rem;height:1.25rem;margin:.15rem 0 0}',
  'input[type=text],textarea{display:block;width:100%;max-width:100%;padding:.5rem .6rem;font:inherit;color:inherit;border:1px solid #6e7781;border-radius:.3rem}',
  'textarea{min-height:6rem;resize:vertical}',
  '[aria-invalid=true]{border-color:#b3261e;outline:1px solid #b3261e}',
  '.hint{margin:.3rem 0 0;color:#4b5563;font-size:.9rem}',
  'button{display:inline-block;max-width:100%;margin-top:1rem;padding:.6rem 1.4rem;min-height:2.75rem;font:inherit;font-weight:600;white-space:normal;border-radius:.3rem;border:2px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer}',
  'button.secondary{background:#fff;color:#0b57d0}',
  '.errors{margin:0 0 1rem;padding:.75rem 1rem;border:2px solid #b3261e;border-radius:.5rem;color:#8c1d18}',
  '.errors ul{margin:.25rem 0 0;padding-left:1.25rem}',
  '.errors p{margin:0;font-weight:600}',
  '.reason{white-space:pre-line;padding:.5rem .75rem;border-left:4px solid #c9ccd1}',
].join('\n');

const STYLE_SOURCE = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;

/** The script that fills the accept form's local date (see signing-handler.ts). */
export const LOCAL_DATE_SCRIPT_PATH = '/sign/local-date.js';

/**
 * Headers of every signing page. Nothing loads but the inline stylesheet (by
 * hash) and, on the form, the one same-origin script; forms post only here;
 * no site may frame the page; the token in the URL never leaves in a Referer;
 * nothing is cached.
 */
export function pageHeaders(language: Language, scriptUrl?: string): Record<string, string> {
  const policy = [
    "default-src 'none'",
    `style-src ${STYLE_SOURCE}`,
    ...(scriptUrl ? [`script-src ${scriptUrl}`] : []),
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-language': language.code,
    'content-security-policy': policy,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

export interface PageOptions {
  status: number;
  language: Language;
  title: string;
  body: Html;
  /** The local-date script's absolute URL, for the form page only. */
  scriptUrl?: string;
  headers?: Record<string, string>;
}

/** A whole page: the document shell around `body`, with the signing headers. */
export function page(options: PageOptions): PageResult {
  const { language, title, body, scriptUrl } = options;
  const document = html`<!DOCTYPE html>
<html lang="${language.code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${raw(CSS)}</style>
${scriptUrl ? html`<script src="${scriptUrl}" defer></script>\n` : ''}</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
  return { status: options.status, headers: { ...pageHeaders(language, scriptUrl), ...options.headers }, body: document.value };
}
