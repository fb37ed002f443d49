/**
 * Issue #14 item 10 on the generated HTML (structure, not snapshots): a structured candidate's per-layer section
 * shows channels and MACs, the per-class table is in the page's flow with every class, the PR legend is inside its
 * frame, the box plots are labelled.
 */
import { describe, expect, it } from 'vitest';
import { CSS } from '../../src/report/html.js';
import { renderHtml, renderMarkdown } from '../../src/report/index.js';
import { syntheticReport } from './synthetic.js';

/** The inner HTML of `<section id="…">`. */
function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

const num = (s: string, attr: string): number => Number(new RegExp(`${attr}="(-?[\\d.]+)"`).exec(s)?.[1]);

describe('per-layer section of a structured candidate', () => {
  it('shows weight shapes (channels) and MACs before → after per layer, not sparsity', () => {
    const html = renderHtml(syntheticReport({ structured: true, zeroedOnly: false }));
    const s = sectionOf(html, 'sparsity');
    expect(s).toContain('<h2>Per-layer channels and MACs</h2>');
    expect(s.slice(s.indexOf('</h2>'))).not.toMatch(/sparsity/i); // the section id stays 'sparsity' (REPORT_SECTIONS)
    // Layer 0: [16,8,3,3] → [12,8,3,3]; MACs 16·72·400 = 460,800 → 12·72·400 = 345,600 (−25%).
    expect(s).toMatch(/<td>model\.0\.conv<\/td><td>backbone conv<\/td><td>\[16,8,3,3\]<\/td><td>\[12,8,3,3\]<\/td><td class="n">460\.8 k<\/td><td class="n">345\.6 k<\/td><td class="n">−115\.2 k \(−25\.0%\)<\/td>/);
    // Layer 2 (every third) keeps its channels.
    expect(s).toMatch(/<td>model\.2\.conv<\/td><td>head \(protected\)<\/td><td>\[18,8,3,3\]<\/td><td>unchanged<\/td>/);
    // Per category: layers, layers cut, output channels summed.
    expect(s).toMatch(/<td>backbone conv<\/td><td class="n">4<\/td><td class="n">4<\/td><td class="n">82 → 66<\/td>/);
    expect(s).toMatch(/<td>head \(protected\)<\/td><td class="n">4<\/td><td class="n">0<\/td><td class="n">90 → 90<\/td>/);
    expect(s).toContain('fraction of MACs removed');
    const md = renderMarkdown(syntheticReport({ structured: true, zeroedOnly: false }));
    expect(md).toContain('## Channels and MACs by category (preset yolov8)');
    expect(md).toContain('| model.0.conv | backbone conv | [16,8,3,3] | [12,8,3,3] | 460.8 k | 345.6 k | −115.2 k (−25.0%) |');
  });

  it('an unstructured candidate keeps the sparsity section', () => {
    const s = sectionOf(renderHtml(syntheticReport()), 'sparsity');
    expect(s).toContain('<h2>Per-layer sparsity</h2>');
    expect(s).toContain('candidate sparsity');
  });
});

describe('per-class table', () => {
  it('lists every class in the page flow: no inner scroll box', () => {
    const html = renderHtml(syntheticReport({ classes: 80 }));
    const s = sectionOf(html, 'per-class');
    expect(s.match(/<tr><td>class \d+<\/td>/g)).toHaveLength(80);
    expect(s).toContain('<td>class 79</td>');
    expect(html).not.toMatch(/class="scroll"|overflow:\s*(auto|scroll)|max-height/);
    expect(CSS).not.toMatch(/overflow|max-height/);
  });
});

describe('charts', () => {
  it('the PR-curve legend lies inside the plot frame, whatever the names', () => {
    const r = syntheticReport();
    const s = sectionOf(renderHtml(r), 'pr-curves');
    const frame = /<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="none" stroke="#888"\/>/.exec(s)![0];
    const legend = /<g class="legend"><rect [^>]*>/.exec(s)![0];
    const [fx, fy, fw, fh] = ['x', 'y', 'width', 'height'].map((a) => num(frame, a));
    const [lx, ly, lw, lh] = ['x', 'y', 'width', 'height'].map((a) => num(legend, a));
    expect(lx).toBeGreaterThanOrEqual(fx!);
    expect(ly).toBeGreaterThanOrEqual(fy!);
    expect(lx! + lw!).toBeLessThanOrEqual(fx! + fw!);
    expect(ly! + lh!).toBeLessThanOrEqual(fy! + fh!);
    // Wide enough for its longest name at 12 px (≈ 6.8 px a character) plus the swatch.
    expect(lw).toBeGreaterThanOrEqual(18 + 'candidate (mAP50 0.540)'.length * 6.8);
  });

  it('each latency box plot is labelled with its model and median', () => {
    const s = sectionOf(renderHtml(syntheticReport()), 'latency');
    const labels = [...s.matchAll(/<text class="box-label"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['base', 'candidate']);
    const medians = [...s.matchAll(/<text class="box-median"[^>]*>median ([\d.]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(medians).toHaveLength(2);
    expect(medians[0]).toBeGreaterThan(50);
  });
});
