import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page, type Response } from 'playwright-core';

/** Debian's Chromium; playwright-core never downloads a browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts Chromium. playwright-core gives every launch a new, empty
 * --user-data-dir of its own (it refuses one passed in `args`) and removes it on close.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it).`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface OpenOptions {
  /** Default true. */
  javaScript?: boolean;
  /** Viewport width in CSS pixels; default 360, a small phone. */
  width?: number;
  height?: number;
  /** The browser's language (Accept-Language), e.g. `de-DE`. */
  locale?: string;
  /** The browser's time zone, e.g. `Pacific/Kiritimati`. */
  timezoneId?: string;
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** The response of the navigation. */
  response: Response | null;
  /** Console messages the page produced (CSP violations show up here). */
  console: string[];
  close(): Promise<void>;
}

/** Opens `url` in a fresh context (no cookies, no cache), with JavaScript on or off. */
export async function openPage(browser: Browser, url: string, options: OpenOptions = {}): Promise<OpenedPage> {
  const context = await browser.newContext({
    javaScriptEnabled: options.javaScript ?? true,
    viewport: { width: options.width ?? 360, height: options.height ?? 740 },
    locale: options.locale,
    timezoneId: options.timezoneId,
  });
  const page = await context.newPage();
  const console: string[] = [];
  page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
  const response = await page.goto(url);
  return { page, context, response, console, close: () => context.close() };
}

/** A screenshot of the whole page (not only the viewport) as PNG at `path`. */
export async function screenshot(page: Page, path: string): Promise<void> {
  await page.screenshot({ path, fullPage: true });
}

/** How wide the page's content is, against the viewport: wider means horizontal scrolling. */
export const scrollWidth = (page: Page): Promise<number> => page.evaluate<number>('document.documentElement.scrollWidth');
