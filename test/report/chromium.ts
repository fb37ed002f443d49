/**
 * Headless Chromium for report tests: loads a report with a tiny probe script injected (records window errors,
 * console.error calls and the rendered height of every section into DOM attributes), dumps the DOM and takes a
 * screenshot. Tests skip with a visible message when no Chromium is installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CHROMIUM = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p): p is string => p !== undefined && existsSync(p));

let warned = false;
/** True when Chromium is available; prints a visible skip message once otherwise. */
export function haveChromium(): boolean {
  if (!CHROMIUM && !warned) {
    warned = true;
    console.warn('\n[prunekit tests] SKIPPING headless-Chromium report checks: no chromium found (set CHROMIUM=/path).\n');
  }
  return CHROMIUM !== undefined;
}

const PROBE = `<script>(function(){var errs=[];function rec(m){errs.push(String(m));document.documentElement.setAttribute('data-probe-errors',JSON.stringify(errs));}
window.addEventListener('error',function(e){rec(e.message||'resource error');},true);
var ce=console.error;console.error=function(){rec(Array.prototype.join.call(arguments,' '));ce.apply(console,arguments);};
window.addEventListener('load',function(){var out={};document.querySelectorAll('section[id]').forEach(function(s){out[s.id]=s.getBoundingClientRect().height;});
document.documentElement.setAttribute('data-probe-sections',JSON.stringify(out));document.documentElement.setAttribute('data-probe-errors',JSON.stringify(errs));});})();</script>`;

export interface ChromiumResult {
  /** Section id → rendered height in px. */
  sections: Record<string, number>;
  /** Errors recorded in the page (window errors, console.error). */
  errors: string[];
  screenshot: string;
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Open `htmlFile` (a report) in headless Chromium; writes the probed copy and `report.png` into `outDir`. */
export async function openInChromium(htmlFile: string, outDir: string): Promise<ChromiumResult> {
  if (!CHROMIUM) throw new Error('chromium not installed');
  const html = await readFile(htmlFile, 'utf8');
  const probed = path.join(outDir, 'report.probed.html');
  await writeFile(probed, html.replace('<head>', `<head>${PROBE}`));
  const url = pathToFileURL(probed).href;
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'prunekit-chromium-'));
  const common = [...FLAGS, `--user-data-dir=${userDataDir}`];
  const { stdout } = await run(CHROMIUM, [...common, '--dump-dom', url], { timeout: 90_000, maxBuffer: 64 * 2 ** 20 });
  const screenshot = path.join(outDir, 'report.png');
  await run(CHROMIUM, [...common, '--hide-scrollbars', '--window-size=1100,4200', `--screenshot=${screenshot}`, pathToFileURL(htmlFile).href], { timeout: 90_000 });
  const attr = (name: string): string | undefined => {
    const m = new RegExp(`${name}="([^"]*)"`).exec(stdout);
    return m?.[1]?.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  };
  const sections = JSON.parse(attr('data-probe-sections') ?? 'null') as Record<string, number> | null;
  if (!sections) throw new Error(`the probe did not run in ${probed}: ${stdout.slice(0, 200)}`);
  return { sections, errors: JSON.parse(attr('data-probe-errors') ?? '[]') as string[], screenshot };
}
