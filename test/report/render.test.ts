import { describe, expect, it } from 'vitest';
import { REPORT_SECTIONS, renderHtml, renderMarkdown } from '../../src/report/index.js';
import { syntheticReport } from './synthetic.js';

describe('renderHtml', () => {
  it('has every section, inline charts, no scripts and no external references', () => {
    const r = syntheticReport({ budget: 'map50=5%' });
    const html = renderHtml(r);
    for (const id of REPORT_SECTIONS) expect(html).toContain(`<section id="${id}">`);
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).not.toMatch(/<script|https?:\/\/|<link |src=/i);
    expect(html).toContain('dog &amp; cat');
    expect(html).toContain('coco128.yaml &lt;script&gt;');
    expect(html).toContain('accuracy budget');
    expect(html).toContain(r.latency!.comparison.verdict);
  });

  it('shows the per-layer reconstruction table only for a calibrated prune', () => {
    const r = syntheticReport();
    expect(renderHtml(r)).not.toContain('Calibrated reconstruction per layer');
    const layers = r.sparsity!.layers.map((l, i) => (i === 0 ? { ...l, reconstruction: { method: 'exact', errorBefore: 0.125, errorAfter: 0.0004, } } : l));
    const html = renderHtml({ ...r, sparsity: { ...r.sparsity!, layers } });
    expect(html).toContain('Calibrated reconstruction per layer');
    const row = html.slice(html.indexOf('Calibrated reconstruction per layer'));
    const first = layers[0]!;
    expect(row).toContain(`<td>${first.modulePath || first.id}</td>`);
    expect(row).toContain('<td class="n">12.50%</td><td class="n">0.0400%</td>');
    expect(row.match(/<tr>/g)?.length).toBe(2); // header + the one calibrated layer
  });

  it('is pure: the same data gives the same page and the data is not modified', () => {
    const r = syntheticReport();
    const before = JSON.stringify(r);
    expect(renderHtml(r)).toBe(renderHtml(JSON.parse(before)));
    expect(JSON.stringify(r)).toBe(before);
  });

  it('keeps every section when accuracy, latency and sparsity were not measured', () => {
    const r = { ...syntheticReport(), accuracy: null, latency: null, sparsity: null, budget: null, notes: [] };
    const html = renderHtml(r);
    for (const id of REPORT_SECTIONS) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('Not measured in this run.');
  });
});

describe('renderMarkdown', () => {
  it('renders summary, tables and notes', () => {
    const md = renderMarkdown(syntheticReport({ budget: 'map50=0.001' }));
    expect(md).toMatch(/^# prunekit comparison/);
    expect(md).toContain('**mAP50-95** 0.400 → 0.385, −0.015 (−3.8%)');
    expect(md).toContain('| map50=0.001 | 0.550 | 0.540 | 0.010 | 0.001 | BROKEN |');
    expect(md).toContain('| mAP50 | 0.550 | 0.540 | −0.010 (−1.8%) |');
    expect(md).not.toMatch(/pts|[ (|]-\d/); // no hyphen-minus numbers
    expect(md).toContain('| dog & cat | 12 | 22 |');
    expect(md).toContain('**Accuracy budget** BROKEN');
    expect(md).toContain('| head (protected) | 4 |');
    expect(md).toMatch(/## Notes\n\n- The candidate differs from the base only by weights set to zero/);
  });
});

describe('honesty notes', () => {
  it('says ≈1.0× is expected when only zeroed weights differ and the difference is not significant', () => {
    const r = syntheticReport({ speedup: 1, zeroedOnly: true });
    expect(r.latency!.comparison.significant).toBe(false);
    expect(r.notes[0]).toMatch(/only by weights set to zero.*about 1\.0× is expected.*no significant difference \(95% CI/);
    expect(r.notes.join(' ')).toMatch(/file size is unchanged/);
  });

  it('never states a speedup without its interval', () => {
    const r = syntheticReport({ speedup: 1.3, zeroedOnly: false, images: 8 });
    expect(r.latency!.comparison.verdict).toMatch(/^1\.\d+× faster \(95% CI \d\.\d+–\d\.\d+\)$/);
    const text = renderMarkdown(r) + renderHtml(r);
    for (const m of text.matchAll(/× faster/g)) expect(text.slice(m.index, m.index + 40)).toMatch(/× faster \(95% CI/);
    expect(r.notes.join(' ')).toMatch(/8 images only/);
  });
});
