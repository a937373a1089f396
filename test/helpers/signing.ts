import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import type { Clock } from '../../src/shared/clock';
import { startApp, type TestApp, type TestAppOptions } from './app';
import type { DatabaseKind } from './databases';

const SIGNING_TEST_SECRET = 'signing test secret, at least 32 characters long';

/** A clock the test can move: real time plus an offset. */
export class MovableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
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
