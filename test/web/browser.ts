/**
 * The built web page in headless Chromium for tests: builds web/ once into a temp folder (Vite, the same
 * config as `npm run build:web`), serves it cross-origin isolated, and drives the Debian chromium with
 * playwright-core (which never downloads a browser). Tests skip visibly without chromium.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { CHROMIUM } from '../report/chromium.js';
import { serveStatic } from './static-server.js';

export const SHOTS = path.join(REPO_ROOT, 'out', 'web-screenshots');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Build the page into a fresh folder; returns the folder. */
export async function buildPage(): Promise<string> {
  const { build } = await import('vite');
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'prunekit-web-'));
  await build({ configFile: path.join(REPO_ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

export interface PageSession { page: Page; context: BrowserContext; url: string; errors: string[]; close(): Promise<void> }

/** Serve `dir` and open it in a fresh headless Chromium profile; waits until the worker is ready. */
export async function openPage(dir: string, query = ''): Promise<PageSession> {
  if (!CHROMIUM) throw new Error('chromium not installed');
  const server = await serveStatic(dir);
  const profile = await mkdtemp(path.join(os.tmpdir(), 'prunekit-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, acceptDownloads: true, args: FLAGS, viewport: { width: 1200, height: 900 } });
  const page = context.pages()[0] ?? await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}${query}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  return { page, context, url: server.url, errors, close: async () => { await context.close(); await server.close(); } };
}

/** Wait for `selector` or for the page's error box; throws with the page's error message when that comes first. */
export async function waitFor(page: Page, selector: string, timeout = 300_000): Promise<void> {
  await page.waitForSelector(`${selector}, #error:not([hidden])`, { timeout });
  if (await page.isVisible('#error')) throw new Error(`the page reported: ${await page.textContent('#error')}`);
}

/** Wait until the page shows an error; returns its text. */
export async function pageError(page: Page, timeout = 120_000): Promise<string> {
  await page.waitForSelector('#error:not([hidden])', { timeout });
  return (await page.textContent('#error')) ?? '';
}
