/**
 * The built web page in headless Chromium for tests: builds web/ once into a temp folder (Vite, the same
 * config as `npm run build:web`), serves it cross-origin isolated, and drives the Debian chromium with
 * playwright-core (which never downloads a browser). Tests skip visibly without chromium.
 */
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
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

export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIO();
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

export async function shot(s: PageSession, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await s.page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Save the download a click starts; returns its bytes. */
export async function downloadOf(s: PageSession, selector: string, dir: string): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([s.page.waitForEvent('download', { timeout: 60_000 }), s.page.click(selector)]);
  const file = path.join(dir, dl.suggestedFilename());
  await dl.saveAs(file);
  return { name: dl.suggestedFilename(), bytes: await readFile(file) };
}

/** Set the compress form (`fields`: input id → value), run, wait for `done`, take the screenshot. */
export async function compress(s: PageSession, mode: string, fields: Record<string, string>, done: string, name: string): Promise<void> {
  await s.page.selectOption('#mode', mode);
  for (const [id, value] of Object.entries(fields)) {
    if (id === 'preset') await s.page.selectOption('#preset', value);
    else await s.page.fill(`#${id}`, value);
  }
  await s.page.click('#run-prune');
  await waitFor(s.page, done);
  await shot(s, name);
}
