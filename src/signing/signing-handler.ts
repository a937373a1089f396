import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, systemClock } from '../shared/clock';
import { ServiceUnavailableError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { AddressRateLimiter } from './address-rate-limit';
import { checkFormField, clientAddressHash, formField, postedFromOwnOrigin, signingKeys } from './anti-forgery';
import { catalogues, type Language, languageFromAcceptLanguage, pickLanguage } from './messages';
import { type AcceptProblem, formPage } from './page/form-page';
import { LOCAL_DATE_SCRIPT_PATH, type PageResult, pageHeaders } from './page/layout';
import { LOCAL_DATE_SCRIPT } from './page/local-date';
import { invalidLinkPage, refusedPage, tooManyTriesPage, unavailablePage } from './page/notice-page';
import { outcomePage } from './page/outcome-page';
import type { SigningConfig } from './signing-config';
import type { AnswerEvidence, SigningPort, SigningRequestView } from './signing-port';
import { dateAgreedFrom, declineReason, linkState, typedNameMatches } from './signing-rules';
import { hashSigningToken, isWellFormedToken } from './signing-token';

/** A form answer is a few fields and a reason of at most 1,000 characters (percent-encoded, up to 9 bytes each). */
export const MAX_FORM_BYTES = 16 * 1024;

const SIGN_PATH = /^\/sign\/([^/]*)$/;

/** The route for logs and metrics: never the token. */
export const signingRouteOf = (pathname: string): string => (pathname === LOCAL_DATE_SCRIPT_PATH ? pathname : '/sign/:token');

export interface SigningHandlerDeps {
  port: SigningPort;
  config: SigningConfig;
  clock?: Clock;
  /** Unexpected failures are logged here, without the token. */
  logger?: Logger;
}

/**
 * The signing routes: GET /sign/<token> shows the form, the outcome of an answered
 * link, or the one invalid-link page; POST /sign/<token> accepts or declines;
 * GET /sign/local-date.js is the page's script. Every try counts against the
 * client address's rate limit; the token is hashed before anything is looked up,
 * and only its hash reaches the port.
 */
export function createSigningHandler(deps: SigningHandlerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { port, config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const keys = signingKeys(config.secret);
  const limiter = new AddressRateLimiter(config.rateLimit); // on a monotonic clock: tries are counted in real time
  const scriptUrl = `${config.baseUrl}${LOCAL_DATE_SCRIPT_PATH}`;
  // Rendered once: every invalid link answers these very bytes, whatever made it invalid.
  const invalidPages = new Map(Object.keys(catalogues).map((code) => [code, invalidLinkPage(pickLanguage(code))]));
  const invalid = (language: Language) => invalidPages.get(language.code)!;

  /** What a link shows now: the form (with a fresh anti-forgery field), its outcome, or the invalid-link page. */
  function show(request: SigningRequestView | null, tokenHash: string, browser: Language, now: Date): PageResult {
    const state = linkState(request, now);
    if (state === 'invalid' || !request) return invalid(browser);
    const language = pickLanguage(request.language);
    if (state !== 'open') return outcomePage(request, language, state);
    return formPage({ request, language, formField: formField(keys, tokenHash, request.documentUri, now), scriptUrl });
  }

  async function answer(req: IncomingMessage, token: string, tokenHash: string, browser: Language): Promise<PageResult | 'too large'> {
    if (!postedFromOwnOrigin({ origin: header(req, 'origin'), secFetchSite: header(req, 'sec-fetch-site') }, config.origin)) return refusedPage(browser, 403);
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(header(req, 'content-type') ?? '')) return refusedPage(browser, 415);
    const raw = await readBody(req, MAX_FORM_BYTES);
    if (raw === null) return 'too large';
    const form = new URLSearchParams(raw.toString('utf8'));
    const now = clock.now();
    const request = isWellFormedToken(token) ? await port.find(tokenHash) : null;
    const state = linkState(request, now);
    if (state === 'invalid' || !request) return invalid(browser);
    if (state !== 'open') return seeOutcome(token, browser); // answered already: show the outcome, record nothing
    const language = pickLanguage(request.language);
    const field = checkFormField(keys, form.get('form'), tokenHash, request.documentUri, now);
    if (field === 'forged') return refusedPage(language, 403);
    const action = form.get('action');
    if (action !== 'accept' && action !== 'decline') return refusedPage(language, 400);

    const typedName = (form.get('fullName') ?? '').trim();
    const reasonText = form.get('reason') ?? '';
    const again = (problems: { accept?: AcceptProblem[]; reason?: boolean; stale?: boolean }) =>
      formPage({ request, language, formField: formField(keys, tokenHash, request.documentUri, now), scriptUrl, problems, typedName, reason: reasonText });
    if (field === 'stale') return again({ stale: true });

    const evidence: AnswerEvidence = {
      documentUri: request.documentUri,
      at: now,
      clientAddressHash: clientAddressHash(keys, clientAddress(req)),
      userAgent: header(req, 'user-agent')?.slice(0, 512) || null,
    };
    let answered: SigningRequestView | null;
    if (action === 'accept') {
      const problems: AcceptProblem[] = [];
      if (form.get('accept') !== 'yes') problems.push('checkbox');
      if (typedName === '') problems.push('nameMissing');
      else if (!typedNameMatches(typedName, request.signatory)) problems.push('nameMismatch');
      if (problems.length > 0) return again({ accept: problems });
      answered = await port.accept(tokenHash, { ...evidence, typedName, dateAgreed: dateAgreedFrom(form.get('localDate'), now) });
    } else {
      const reason = declineReason(reasonText);
      if (reason === 'invalid') return again({ reason: true });
      answered = await port.decline(tokenHash, reason.reason, evidence);
    }
    // Expired or cancelled between showing the form and the answer: nothing was recorded.
    return answered ? seeOutcome(token, language) : invalid(browser);
  }

  return async (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (pathname === LOCAL_DATE_SCRIPT_PATH && method === 'GET') return send(res, script());
    const browser = languageFromAcceptLanguage(header(req, 'accept-language'));
    const match = SIGN_PATH.exec(pathname);
    if (!match) return send(res, invalid(browser));
    if (method !== 'GET' && method !== 'POST') return send(res, refusedPage(browser, 405, { allow: 'GET, POST' }));

    const wait = limiter.take(clientAddress(req));
    if (wait > 0) return send(res, tooManyTriesPage(browser, wait));
    const token = match[1];
    const tokenHash = hashSigningToken(token);
    try {
      if (method === 'GET') {
        const request = isWellFormedToken(token) ? await port.find(tokenHash) : null;
        return send(res, show(request, tokenHash, browser, clock.now()));
      }
      const result = await answer(req, token, tokenHash, browser);
      if (result === 'too large') {
        res.on('finish', () => req.socket.destroy()); // the rest of the body is never read
        return send(res, refusedPage(browser, 413, { connection: 'close' }));
      }
      return send(res, result);
    } catch (error) {
      logger?.error({ err: error, route: signingRouteOf(pathname) }, 'signing page failed');
      return send(res, unavailablePage(browser, error instanceof ServiceUnavailableError ? 503 : 500));
    }
  };
}

/** After an answer, the link itself (relative to /sign/<token>, so any path prefix in front is kept) shows the outcome. */
function seeOutcome(token: string, language: Language): PageResult {
  return { status: 303, headers: { ...pageHeaders(language), location: token }, body: '' };
}

function script(): PageResult {
  return {
    status: 200,
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=86400',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
    },
    body: LOCAL_DATE_SCRIPT,
  };
}

function send(res: ServerResponse, result: PageResult): void {
  res.statusCode = result.status;
  for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
  res.end(result.body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The peer's address; an IPv4 client on a dual-stack socket counts as its IPv4 address. */
function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The body, or null once it exceeds `limit` (the rest is left unread). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
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
