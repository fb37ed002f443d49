import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_SECTIONS, renderHtml } from '../../src/report/index.js';
import { tempDir } from '../helpers/fixtures.js';
import { haveChromium, openInChromium } from './chromium.js';
import { syntheticReport } from './synthetic.js';

describe.skipIf(!haveChromium())('HTML report in headless Chromium', () => {
  it('loads with no errors and renders every section', async () => {
    const dir = await tempDir('prunekit-report-');
    const file = path.join(dir, 'report.html');
    await writeFile(file, renderHtml(syntheticReport({ budget: 'map50=2%' })));
    const res = await openInChromium(file, dir);
    console.log(`[report] screenshot: ${res.screenshot}`);
    expect(res.errors).toEqual([]);
    for (const id of REPORT_SECTIONS) expect(res.sections[id], id).toBeGreaterThan(40);
    expect(existsSync(res.screenshot)).toBe(true);
    expect(statSync(res.screenshot).size).toBeGreaterThan(10_000);
  });

  it('the probe really catches page errors (self-check)', async () => {
    const dir = await tempDir('prunekit-report-');
    const file = path.join(dir, 'broken.html');
    await writeFile(file, renderHtml(syntheticReport()).replace('</main>', '</main><script>undefinedFunction()</script>'));
    const res = await openInChromium(file, dir);
    expect(res.errors.join(' ')).toMatch(/undefinedFunction/);
  });
});
