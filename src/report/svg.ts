/**
 * Tiny inline-SVG chart helpers for the HTML report: pure functions from data to an `<svg>` string, no
 * dependencies, no scripts, no external references. Colours come from the caller.
 */
import { formatNumber, formatPercent } from '../core/format.js';

/** Escape text for XML/HTML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const r2 = (v: number): string => (Math.round(v * 100) / 100).toString();

export interface Series {
  name: string;
  color: string;
}

/** Evenly spaced "nice" tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

interface Frame { x0: number; y0: number; w: number; h: number }

function axes(f: Frame, xs: readonly number[], ys: readonly number[], sx: (v: number) => number, sy: (v: number) => number, fmt: (v: number) => string, xLabel: string, yLabel: string): string {
  const parts: string[] = [`<g class="axes" font-size="11" fill="#555">`];
  for (const t of ys) {
    const y = r2(sy(t));
    parts.push(`<line x1="${f.x0}" x2="${f.x0 + f.w}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${f.x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(fmt(t))}</text>`);
  }
  for (const t of xs) {
    const x = r2(sx(t));
    parts.push(`<line x1="${x}" x2="${x}" y1="${f.y0 + f.h}" y2="${f.y0 + f.h + 4}" stroke="#888"/>`);
    parts.push(`<text x="${x}" y="${f.y0 + f.h + 16}" text-anchor="middle">${esc(fmt(t))}</text>`);
  }
  parts.push(`<rect x="${f.x0}" y="${f.y0}" width="${f.w}" height="${f.h}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${f.x0 + f.w / 2}" y="${f.y0 + f.h + 32}" text-anchor="middle" fill="#333">${esc(xLabel)}</text>`);
  if (yLabel) parts.push(`<text transform="translate(14 ${f.y0 + f.h / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(yLabel)}</text>`);
  parts.push('</g>');
  return parts.join('');
}

/** Width of a legend in px: swatch, gap, the longest name at ~6.8 px per character of 12 px text, padding. */
export function legendWidth(series: readonly Series[]): number {
  return 18 + Math.ceil(Math.max(0, ...series.map((s) => s.name.length)) * 6.8) + 12;
}

/**
 * A legend inside the frame `f`, in the given corner, on a white box (so curves under it stay readable and the
 * text never runs past the frame).
 */
function legend(series: readonly Series[], f: Frame, corner: 'top-right' | 'bottom-left'): string {
  const w = Math.min(legendWidth(series), f.w - 8);
  const h = series.length * 16 + 6;
  const x = corner === 'top-right' ? f.x0 + f.w - w - 4 : f.x0 + 4;
  const y = corner === 'top-right' ? f.y0 + 4 : f.y0 + f.h - h - 4;
  const rows = series
    .map((s, i) => `<g transform="translate(${x + 6} ${y + 5 + i * 16})"><rect width="12" height="12" fill="${esc(s.color)}"/><text x="18" y="10" font-size="12">${esc(s.name)}</text></g>`)
    .join('');
  return `<g class="legend"><rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#fff" fill-opacity="0.9" stroke="#ccc"/>${rows}</g>`;
}

function svgOpen(width: number, height: number, title: string): string {
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`;
}

export interface LineSeries extends Series {
  x: readonly number[];
  y: readonly number[];
}

/** Line chart over [0,1]×[0,1] (PR curves). At most `maxPoints` points per series are drawn. */
export function lineChart(opts: {
  title: string; series: readonly LineSeries[]; xLabel: string; yLabel: string; width?: number; height?: number; maxPoints?: number;
  legend?: 'top-right' | 'bottom-left';
}): string {
  const width = opts.width ?? 460;
  const height = opts.height ?? 340;
  const f: Frame = { x0: 50, y0: 12, w: width - 70, h: height - 60 };
  const sx = (v: number): number => f.x0 + Math.min(1, Math.max(0, v)) * f.w;
  const sy = (v: number): number => f.y0 + (1 - Math.min(1, Math.max(0, v))) * f.h;
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const parts = [svgOpen(width, height, opts.title), axes(f, ticks, ticks, sx, sy, (v) => v.toFixed(1), opts.xLabel, opts.yLabel)];
  const maxPoints = opts.maxPoints ?? 250;
  for (const s of opts.series) {
    const n = Math.min(s.x.length, s.y.length);
    const step = Math.max(1, Math.ceil(n / maxPoints));
    const pts: string[] = [];
    for (let i = 0; i < n; i += step) pts.push(`${r2(sx(s.x[i]!))},${r2(sy(s.y[i]!))}`);
    if (n > 0 && (n - 1) % step !== 0) pts.push(`${r2(sx(s.x[n - 1]!))},${r2(sy(s.y[n - 1]!))}`);
    parts.push(`<polyline fill="none" stroke="${esc(s.color)}" stroke-width="2" points="${pts.join(' ')}"><title>${esc(s.name)}</title></polyline>`);
  }
  // Precision–recall curves start high at low recall, so the bottom-left corner of the frame is free.
  parts.push(legend(opts.series, f, opts.legend ?? 'bottom-left'), '</svg>');
  return parts.join('');
}

export interface BarGroup {
  name: string;
  bars: readonly { label: string; value: number; tooltip?: string }[];
}

/** Horizontal bars with values in [0,1] (sparsity), grouped under headers. */
export function groupedBarChart(opts: { title: string; groups: readonly BarGroup[]; color: string; width?: number; barHeight?: number; labelWidth?: number }): string {
  const width = opts.width ?? 760;
  const bh = opts.barHeight ?? 11;
  const lw = opts.labelWidth ?? 300;
  const plotW = width - lw - 60;
  const rows = opts.groups.reduce((n, g) => n + g.bars.length + 1.6, 0);
  const height = Math.ceil(rows * (bh + 3) + 40);
  const parts = [svgOpen(width, height, opts.title)];
  const x0 = lw;
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const x = r2(x0 + t * plotW);
    parts.push(`<line x1="${x}" x2="${x}" y1="4" y2="${height - 22}" stroke="#e3e3e3"/><text x="${x}" y="${height - 8}" font-size="11" text-anchor="middle" fill="#555">${t * 100}%</text>`);
  }
  let y = 6;
  for (const g of opts.groups) {
    parts.push(`<text x="4" y="${r2(y + bh)}" font-size="12" font-weight="bold">${esc(g.name)} (${g.bars.length})</text>`);
    y += (bh + 3) * 1.6;
    for (const b of g.bars) {
      const v = Math.min(1, Math.max(0, b.value));
      const label = b.label.length > 46 ? `…${b.label.slice(-45)}` : b.label;
      parts.push(
        `<g><title>${esc(b.tooltip ?? `${b.label}: ${formatPercent(v)}`)}</title>` +
          `<text x="${lw - 6}" y="${r2(y + bh - 2)}" font-size="10" text-anchor="end" fill="#333">${esc(label)}</text>` +
          `<rect x="${x0}" y="${r2(y)}" width="${r2(Math.max(v * plotW, v > 0 ? 1 : 0))}" height="${bh}" fill="${esc(opts.color)}"/>` +
          `<text x="${r2(x0 + v * plotW + 4)}" y="${r2(y + bh - 2)}" font-size="10" fill="#555">${formatPercent(v)}</text></g>`,
      );
      y += bh + 3;
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface SampleSeries extends Series {
  values: readonly number[];
  /** Label of its box plot row (default: the name up to its first parenthesis). */
  short?: string;
}

/** Overlaid histograms of several sample sets on shared bins, with a box plot (quartiles, 1.5 IQR whiskers) per set. */
export function distributionChart(opts: { title: string; series: readonly SampleSeries[]; xLabel: string; bins?: number; width?: number }): string {
  const width = opts.width ?? 760;
  const all = opts.series.flatMap((s) => [...s.values]).filter(Number.isFinite);
  const boxH = 18;
  const histH = 200;
  const f: Frame = { x0: 80, y0: 12, w: width - 170, h: histH };
  const height = f.y0 + histH + 44 + opts.series.length * (boxH + 8) + 8;
  const parts = [svgOpen(width, height, opts.title)];
  if (all.length === 0) {
    parts.push(`<text x="10" y="30">no samples</text></svg>`);
    return parts.join('');
  }
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  const bins = opts.bins ?? 40;
  const bw = (hi - lo) / bins;
  const counts = opts.series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.values) if (Number.isFinite(v)) c[Math.min(bins - 1, Math.floor((v - lo) / bw))]! += 1;
    return c.map((k) => k / Math.max(1, s.values.length));
  });
  const maxFrac = Math.max(...counts.flat(), 1e-9);
  const sx = (v: number): number => f.x0 + ((v - lo) / (hi - lo)) * f.w;
  const sy = (v: number): number => f.y0 + (1 - v / maxFrac) * f.h;
  parts.push(axes(f, niceTicks(lo, hi, 6), niceTicks(0, maxFrac, 4), sx, sy, (v) => (v < 1 && v > 0 ? formatNumber(v, 2) : String(v)), opts.xLabel, 'fraction of runs'));
  opts.series.forEach((s, i) => {
    counts[i]!.forEach((c, b) => {
      if (c === 0) return;
      const x = sx(lo + b * bw);
      parts.push(`<rect x="${r2(x)}" y="${r2(sy(c))}" width="${r2(Math.max(1, sx(lo + (b + 1) * bw) - x - 0.5))}" height="${r2(f.y0 + f.h - sy(c))}" fill="${esc(s.color)}" fill-opacity="0.45"/>`);
    });
  });
  opts.series.forEach((s, i) => {
    const sorted = [...s.values].filter(Number.isFinite).sort((a, b) => a - b);
    if (sorted.length === 0) return;
    const q = (p: number): number => {
      const pos = (sorted.length - 1) * p;
      const a = sorted[Math.floor(pos)]!;
      const b = sorted[Math.ceil(pos)]!;
      return a + (b - a) * (pos - Math.floor(pos));
    };
    const q1 = q(0.25), q2 = q(0.5), q3 = q(0.75), iqr = q3 - q1;
    const wLo = sorted.find((v) => v >= q1 - 1.5 * iqr) ?? q1;
    const wHi = [...sorted].reverse().find((v) => v <= q3 + 1.5 * iqr) ?? q3;
    const y = f.y0 + histH + 44 + i * (boxH + 8);
    const mid = y + boxH / 2;
    const label = s.short ?? s.name.replace(/\s*\(.*$/, '');
    // Each box plot row is labelled: the series on the left, its median on the right of the whisker.
    parts.push(
      `<text class="box-label" x="${f.x0 - 6}" y="${mid}" font-size="11" text-anchor="end" dominant-baseline="middle" fill="${esc(s.color)}">${esc(label)}</text>` +
        `<text class="box-median" x="${r2(sx(wHi) + 6)}" y="${mid}" font-size="11" dominant-baseline="middle" fill="#555">median ${esc(formatNumber(q2, 2))}</text>`,
    );
    parts.push(
      `<g><title>${esc(`${s.name}: median ${formatNumber(q2, 2)}, IQR ${formatNumber(q1, 2)}–${formatNumber(q3, 2)}`)}</title>` +
        `<line x1="${r2(sx(wLo))}" x2="${r2(sx(wHi))}" y1="${mid}" y2="${mid}" stroke="${esc(s.color)}"/>` +
        `<rect x="${r2(sx(q1))}" y="${y}" width="${r2(Math.max(1, sx(q3) - sx(q1)))}" height="${boxH}" fill="${esc(s.color)}" fill-opacity="0.3" stroke="${esc(s.color)}"/>` +
        `<line x1="${r2(sx(q2))}" x2="${r2(sx(q2))}" y1="${y}" y2="${y + boxH}" stroke="${esc(s.color)}" stroke-width="2"/></g>`,
    );
  });
  parts.push(legend(opts.series, f, 'top-right'), '</svg>');
  return parts.join('');
}
