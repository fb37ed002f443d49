/**
 * The stage table of a multi-stage pipeline (original → pruned → INT8): for each stage its file, size, gzip
 * size, accuracy and latency against the original, taken from the comparisons of each stage with the original.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ComparisonReport } from '../report/index.js';
import { formatBytes, formatFraction, formatNumber } from '../core/format.js';

export interface StageRow {
  stage: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  map50: number | undefined;
  map5095: number | undefined;
  /** Median latency of the original / of this stage (> 1: faster), with its 95% interval; undefined when not measured. */
  speedup: { ratio: number; ciLow: number; ciHigh: number } | undefined;
}

const gzipSize = async (file: string): Promise<number> => gzipSync(await readFile(file)).length;

/** One row for the original (from the first report's base side) and one per stage report's candidate. */
export async function stageRows(stages: ReadonlyArray<{ stage: string; report: ComparisonReport }>): Promise<StageRow[]> {
  const first = stages[0]!.report;
  const rows: StageRow[] = [{
    stage: 'original', file: first.base.path, bytes: first.size.base.fileBytes, gzipBytes: await gzipSize(first.base.path),
    map50: first.accuracy?.base.map50, map5095: first.accuracy?.base.map5095, speedup: { ratio: 1, ciLow: 1, ciHigh: 1 },
  }];
  for (const { stage, report: r } of stages) {
    const c = r.latency?.comparison;
    rows.push({
      stage, file: r.candidate.path, bytes: r.size.candidate.fileBytes, gzipBytes: await gzipSize(r.candidate.path),
      map50: r.accuracy?.candidate.map50, map5095: r.accuracy?.candidate.map5095, speedup: c ? { ratio: c.ratio, ciLow: c.ciLow, ciHigh: c.ciHigh } : undefined,
    });
  }
  return rows;
}

const acc = (x: number | undefined) => formatFraction(x);
const x2 = (v: number) => formatNumber(v, 2);

/** The rows as aligned text lines (header first). */
export function stageLines(rows: readonly StageRow[]): string[] {
  const table = [
    ['stage', 'file', 'size', 'gzip', 'mAP50', 'mAP50-95', 'speed vs original'],
    ...rows.map((r) => [
      r.stage, path.basename(r.file), formatBytes(r.bytes), formatBytes(r.gzipBytes), acc(r.map50), acc(r.map5095),
      r.speedup ? (r.stage === 'original' ? '1.00×' : `${x2(r.speedup.ratio)}× (${x2(r.speedup.ciLow)}–${x2(r.speedup.ciHigh)})`) : 'not measured',
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** One note per stage for the report (mAP and latency against the original). */
export function stageNotes(rows: readonly StageRow[]): string[] {
  return rows.slice(1).map((r) => `stage ${r.stage}: ${path.basename(r.file)}, ${formatBytes(r.bytes)} (gzip ${formatBytes(r.gzipBytes)}), mAP50 ${acc(r.map50)}, mAP50-95 ${acc(r.map5095)}, `
    + (r.speedup ? `${x2(r.speedup.ratio)}× the original's speed` : 'latency not measured'));
}
