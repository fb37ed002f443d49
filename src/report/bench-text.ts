/** Plain-text rendering of a {@link BenchResult} for the terminal. Pure: data in, string out. */
import type { BenchResult } from '../bench/index.js';
import { formatBytes, formatMs, formatNumber, MISSING } from '../core/format.js';

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** Multi-line summary: settings, one row per model, then each comparison with its interval. */
export function formatBenchText(r: BenchResult): string {
  const c = r.config;
  const lines: string[] = [];
  const runs = c.seconds !== null ? `${r.rounds} rounds in ${c.seconds}s` : `${r.rounds} rounds`;
  lines.push(
    `onnxruntime CPU, threads ${c.threads}, graph-opt ${c.graphOptimization}, batch ${c.batch}, ` +
      `warm-up ${c.warmup}, ${runs} interleaved (random order per round)`,
  );
  lines.push('');
  const rows: string[][] = [['model', 'precision', 'size', 'median ms', 'mean', 'p90', 'p99', 'min', 'FPS', 'load ms', 'RSS +']];
  for (const m of r.models) {
    const l = m.latency;
    rows.push([
      m.label, m.precision ?? MISSING, formatBytes(m.fileBytes), formatMs(l.medianMs), formatMs(l.meanMs), formatMs(l.p90Ms), formatMs(l.p99Ms), formatMs(l.minMs),
      formatNumber(l.fps, 1), formatNumber(m.loadMs, 0), formatBytes(m.rssDeltaBytes),
    ]);
  }
  lines.push(table(rows));
  lines.push(`process peak RSS ${formatBytes(r.processPeakRssBytes)} (all sessions together)`);
  if (r.comparisons.length) lines.push('');
  for (const cmp of r.comparisons) {
    lines.push(`${cmp.candidate} vs ${cmp.base}: ${cmp.verdict}  [median ratio ${formatNumber(cmp.ratio, 3)}, paired bootstrap ×${cmp.resamples}]`);
  }
  return lines.join('\n');
}
