import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import type { Clock } from '../../src/shared/clock';
import { type SigningConfig, signingConfigFrom } from '../../src/signing/signing-config';
import { createSigningHandler, isSigningPath } from '../../src/signing/signing-handler';
import type { AcceptEvidence, AnswerEvidence, SigningPort, SigningRequestView } from '../../src/signing/signing-port';
import { hashSigningToken, newSigningToken, signingUrl } from '../../src/signing/signing-token';
import { startApp, type TestApp, type TestAppOptions } from './app';
import type { DatabaseKind } from './databases';

export const SIGNING_TEST_SECRET = 'signing test secret, at least 32 characters long';

/** A request as stored by the in-memory port: the view, how it finalizes, and what was recorded. */
export interface StoredRequest {
  view: SigningRequestView;
  finalize: 'AUTOMATIC' | 'BY_PARTNER';
  accepted?: AcceptEvidence;
  declined?: { reason: string | null; evidence: AnswerEvidence };
}

/**
 * The signing port over a map keyed by token hash, for tests only: the database
 * implements the same contract. It records every argument it is given, so a test
 * can check that no token ever reached it in clear.
 */
export class MemorySigningPort implements SigningPort {
  readonly requests = new Map<string, StoredRequest>();
  readonly calls: { method: 'find' | 'accept' | 'decline'; args: unknown[] }[] = [];

  async find(tokenHash: string): Promise<SigningRequestView | null> {
    this.calls.push({ method: 'find', args: [tokenHash] });
    return this.copy(this.requests.get(tokenHash));
  }

  async accept(tokenHash: string, evidence: AcceptEvidence): Promise<SigningRequestView | null> {
    this.calls.push({ method: 'accept', args: [tokenHash, evidence] });
    return this.answer(tokenHash, evidence.at, (stored) => {
      stored.view.status = stored.finalize === 'AUTOMATIC' ? 'FINALIZED' : 'SIGNED';
      stored.accepted = evidence;
    });
  }

  async decline(tokenHash: string, reason: string | null, evidence: AnswerEvidence): Promise<SigningRequestView | null> {
    this.calls.push({ method: 'decline', args: [tokenHash, reason, evidence] });
    return this.answer(tokenHash, evidence.at, (stored) => {
      stored.view.status = 'DECLINED';
      stored.view.declineReason = reason;
      stored.declined = { reason, evidence };
    });
  }

  /** Only a PENDING request before its expiry is answered; an answered one is returned as it is. */
  private answer(tokenHash: string, at: Date, record: (stored: StoredRequest) => void): SigningRequestView | null {
    const stored = this.requests.get(tokenHash);
    if (!stored) return null;
    if (['SIGNED', 'FINALIZED', 'DECLINED'].includes(stored.view.status)) return this.copy(stored);
    if (stored.view.status !== 'PENDING' || at.getTime() >= stored.view.expiresAt.getTime()) return null;
    record(stored);
    stored.view.answeredAt = at;
    return this.copy(stored);
  }

  private copy(stored: StoredRequest | undefined): SigningRequestView | null {
    return stored ? structuredClone(stored.view) : null;
  }

  /** Stores a request and returns its link's token (which the port itself never keeps). */
  add(view: Partial<SigningRequestView> = {}, finalize: StoredRequest['finalize'] = 'AUTOMATIC'): string {
    const { token, tokenHash } = newSigningToken();
    this.requests.set(tokenHash, { view: { ...sampleRequest(), ...view }, finalize });
    return token;
  }

  stored(token: string): StoredRequest {
    return this.requests.get(hashSigningToken(token))!;
  }
}

const HOUR_MS = 60 * 60 * 1000;

/** A pending request: German customer, Microsoft Customer Agreement version 2, valid three days more. */
export function sampleRequest(): SigningRequestView {
  return {
    status: 'PENDING',
    language: 'en-US',
    country: 'US',
    expiresAt: new Date(Date.now() + 72 * HOUR_MS),
    partnerName: 'Contoso CSP',
    customerCompanyName: 'Fabrikam GmbH',
    signatory: { firstName: 'Jana', lastName: 'Becker' },
    agreement: { type: 'MICROSOFT_CUSTOMER_AGREEMENT', version: '2', link: 'https://agreements.example.com/mca/v2' },
    documentUri: 'https://agreements.example.com/mca/v2/US/en-US/display',
    answeredAt: null,
    declineReason: null,
  };
}

/** A clock the test can move: real time plus an offset. */
export class MovableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

export interface SigningServer {
  url: string;
  config: SigningConfig;
  port: MemorySigningPort;
  clock: MovableClock;
  /** The link of a token on this server. */
  link(token: string): string;
  close(): Promise<void>;
}

/** A tiny node:http server with the signing routes over the in-memory port, on a random port. */
export async function startSigningServer(env: NodeJS.ProcessEnv = {}): Promise<SigningServer> {
  const port = new MemorySigningPort();
  const clock = new MovableClock();
  let handle: ReturnType<typeof createSigningHandler> | undefined;
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (handle && isSigningPath(pathname)) {
      handle(req, res).catch(() => res.destroy());
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The base URL is the server's own address, known once it listens.
  const config = signingConfigFrom({
    SIGNING_BASE_URL: url,
    SIGNING_SECRET: SIGNING_TEST_SECRET,
    SIGNING_RATE_LIMIT_PER_MINUTE: '100000',
    SIGNING_RATE_LIMIT_BURST: '100000',
    ...env,
  });
  handle = createSigningHandler({ port, config, clock });
  return {
    url,
    config,
    port,
    clock,
    link: (token) => signingUrl(config.baseUrl, token),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free local port (taken and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createTcpServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The whole server over a real database, its signing links pointing at itself
 * (SIGNING_BASE_URL is its own address), with a generous rate limit unless told otherwise.
 */
export async function startSigningApp(kind: DatabaseKind, options: TestAppOptions = {}): Promise<TestApp> {
  const port = await freePort();
  return startApp(kind, {
    ...options,
    port,
    env: {
      SIGNING_BASE_URL: `http://127.0.0.1:${port}`,
      SIGNING_SECRET: SIGNING_TEST_SECRET,
      SIGNING_RATE_LIMIT_PER_MINUTE: '100000',
      SIGNING_RATE_LIMIT_BURST: '100000',
      ...options.env,
    },
  });
}

/** The anti-forgery field of a signing page's form. */
export const formFieldOf = (html: string): string => /name="form" value="([^"]+)"/.exec(html)![1];

/** Opens a link and answers its form as the page would (same origin), without following the redirect. */
export async function answerLink(link: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const page = await fetch(link);
  const form = formFieldOf(await page.text());
  return postForm(link, { form, ...fields }, headers);
}

/** A form post to a link from its own origin. */
export const postForm = (link: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(link, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: new URL(link).origin, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

/** A newer Microsoft Customer Agreement version with texts for a few countries and languages, in the import format. */
export const MCA_V2 = 'mca-v2-with-documents';
export const documentUri = (country: string, language: string) => `https://agreements.example.com/mca/v2/${country}/${language}/display`;
export const templateWithDocuments = () => ({
  templateId: MCA_V2,
  type: 'MICROSOFT_CUSTOMER_AGREEMENT',
  agreementLink: 'https://aka.ms/customeragreement',
  versionRank: 2,
  effectiveDate: '2025-01-01',
  retired: false,
  documents: (
    [
      ['US', 'en-US'],
      ['DE', 'de-DE'],
      ['DE', 'en-US'],
      ['KR', 'ko-KR'],
      ['KR', 'en-US'],
    ] as const
  ).map(([country, language]) => ({
    country,
    language,
    displayUri: documentUri(country, language),
    downloadUri: `https://agreements.example.com/mca/v2/${country}/${language}.pdf`,
  })),
});
