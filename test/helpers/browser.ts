/**
 * Debian's chromium driven by playwright-core (never a browser download: the machine has
 * no internet but the npm registry and apt). Each browser gets a fresh profile folder, so
 * no cookie or cache leaks between users or runs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Logs in through the app's own form and waits for the app's header. */
export async function loginAs(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('header.top');
}

export const chromiumPath = '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(chromiumPath);
}

export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Hosts of every request the page made (to prove nothing leaves the box). */
  readonly requestedHosts: Set<string>;
  /** Uncaught errors of the page's scripts. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(viewport = { width: 1366, height: 768 }): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'nvr-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport,
    // An officer's laptop: Vietnamese locale and time zone (date and time inputs follow them).
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    acceptDownloads: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requestedHosts = new Set<string>();
  const pageErrors: string[] = [];
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol !== 'data:' && url.protocol !== 'blob:') requestedHosts.add(url.host);
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return {
    context, page, requestedHosts, pageErrors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
