/**
 * The report's tables as plain rows of strings, shared by the Markdown and HTML renderers. Pure.
 */
import { metricName } from './budget.js';
import {
  formatBytes, formatCompact, formatCount, formatCountDelta, formatFraction, formatFractionDelta, formatMs, formatNumber, formatPercent, formatSigned, formatSparsity, MISSING,
} from '../core/format.js';
import { channelsChanged } from './model-diff.js';
import type { AccuracyMetric, ComparisonReport, LatencySide, SparsityLayer } from './types.js';

export interface TableData {
  header: string[];
  rows: string[][];
  /** Column indexes aligned right (numbers). */
  numeric: number[];
}

const METRICS: readonly AccuracyMetric[] = ['precision', 'recall', 'map50', 'map5095'];

export function accuracyTable(r: ComparisonReport): TableData | null {
  const a = r.accuracy;
  if (!a) return null;
  return {
    header: ['metric', 'base', 'candidate', 'change'],
    rows: METRICS.map((m) => [metricName(m), formatFraction(a.base[m]), formatFraction(a.candidate[m]), formatFractionDelta(a.base[m], a.candidate[m])]),
    numeric: [1, 2, 3],
  };
}

export function perClassTable(r: ComparisonReport): TableData | null {
  const a = r.accuracy;
  if (!a) return null;
  return {
    header: ['class', 'images', 'instances', 'AP50 base', 'AP50 cand', 'ΔAP50', 'AP50-95 base', 'AP50-95 cand', 'ΔAP50-95'],
    rows: a.perClass.map((c) => [
      c.name, formatCount(c.images), formatCount(c.instances),
      formatFraction(c.base.map50), formatFraction(c.candidate.map50), formatSigned(c.candidate.map50 - c.base.map50, 3),
      formatFraction(c.base.map5095), formatFraction(c.candidate.map5095), formatSigned(c.candidate.map5095 - c.base.map5095, 3),
    ]),
    numeric: [1, 2, 3, 4, 5, 6, 7, 8],
  };
}

export function sizeTable(r: ComparisonReport): TableData {
  const { base: b, candidate: c } = r.size;
  return {
    header: ['', 'base', 'candidate', 'change'],
    rows: [
      ['precision', b.precision ?? MISSING, c.precision ?? MISSING, ''],
      ['file size', formatBytes(b.fileBytes), formatBytes(c.fileBytes), formatCountDelta(b.fileBytes, c.fileBytes, formatBytes)],
      ['gzip size', formatBytes(b.gzipBytes), formatBytes(c.gzipBytes), formatCountDelta(b.gzipBytes, c.gzipBytes, formatBytes)],
      ['weight params', formatCount(b.params), formatCount(c.params), formatCountDelta(b.params, c.params)],
      ['non-zero params', formatCount(b.nonZeroParams), formatCount(c.nonZeroParams), formatCountDelta(b.nonZeroParams, c.nonZeroParams)],
      ['sparsity', formatSparsity(b.params, b.nonZeroParams), formatSparsity(c.params, c.nonZeroParams), ''],
      ['MACs', formatCompact(b.macs), formatCompact(c.macs), formatCountDelta(b.macs, c.macs, formatCompact)],
    ],
    numeric: [1, 2, 3],
  };
}

/**
 * Latency statistics of both models. No per-statistic "change" column: a difference is only stated as the
 * ratio of medians with its interval (the last row).
 */
export function latencyTable(r: ComparisonReport): TableData | null {
  const l = r.latency;
  if (!l) return null;
  const row = (name: string, f: (s: LatencySide) => number, fmt: (v: number) => string = formatMs): string[] => [
    name, fmt(f(l.base)), fmt(f(l.candidate)),
  ];
  return {
    header: ['', 'base', 'candidate'],
    rows: [
      ['precision', r.size.base.precision ?? MISSING, r.size.candidate.precision ?? MISSING],
      row('median ms', (s) => s.medianMs), row('mean ms', (s) => s.meanMs), row('p90 ms', (s) => s.p90Ms),
      row('p99 ms', (s) => s.p99Ms), row('min ms', (s) => s.minMs), row('FPS (at median)', (s) => s.fps, (v) => formatNumber(v, 1)),
      row('session load ms', (s) => s.loadMs, (v) => formatNumber(v, 0)),
      ['RSS growth at load', formatBytes(l.base.rssDeltaBytes), formatBytes(l.candidate.rssDeltaBytes)],
      ['candidate vs base', '', l.comparison.verdict],
    ],
    numeric: [1, 2],
  };
}

export function budgetTable(r: ComparisonReport): TableData | null {
  const b = r.budget;
  if (!b) return null;
  return {
    header: ['rule', 'base', 'candidate', 'drop', 'allowed drop', 'result'],
    rows: b.checks.map((c) => [
      c.rule.text, formatFraction(c.base), formatFraction(c.candidate), formatFraction(c.drop),
      formatFraction(c.allowedDrop), c.ok ? 'holds' : 'BROKEN',
    ]),
    numeric: [1, 2, 3, 4],
  };
}

/** Layers grouped by category, in first-seen order. */
export function layersByCategory(layers: readonly SparsityLayer[]): { category: string; layers: SparsityLayer[] }[] {
  const groups = new Map<string, SparsityLayer[]>();
  for (const l of layers) {
    const g = groups.get(l.category);
    if (g) g.push(l);
    else groups.set(l.category, [l]);
  }
  return [...groups.entries()].map(([category, ls]) => ({ category, layers: ls }));
}

/** True when the per-layer section is about removed channels (structured) rather than zeros. */
export function isStructured(r: ComparisonReport): boolean {
  return r.sparsity !== null && channelsChanged(r.sparsity.layers);
}

const sumMacs = (ls: readonly SparsityLayer[], side: 'baseMacs' | 'candidateMacs'): number | null =>
  ls.every((l) => typeof l[side] === 'number') ? ls.reduce((n, l) => n + (l[side] as number), 0) : null;
const shape = (d: readonly number[] | undefined): string => (d ? `[${d.join(',')}]` : '–');
const changed = (l: SparsityLayer): boolean => shape(l.baseDims) !== shape(l.candidateDims);

/** Structured candidate, per category: layers (cut), output channels and MACs before → after. */
export function channelsTable(r: ComparisonReport): TableData | null {
  const s = r.sparsity;
  if (!s) return null;
  return {
    header: ['category', 'layers', 'layers cut', 'output channels', 'MACs base', 'MACs candidate', 'MACs change'],
    rows: layersByCategory(s.layers).map((g) => {
      const chB = g.layers.reduce((n, l) => n + (l.baseDims?.[0] ?? 0), 0);
      const chC = g.layers.reduce((n, l) => n + (l.candidateDims?.[0] ?? 0), 0);
      const mb = sumMacs(g.layers, 'baseMacs'), mc = sumMacs(g.layers, 'candidateMacs');
      return [g.category, formatCount(g.layers.length), formatCount(g.layers.filter(changed).length), `${formatCount(chB)} → ${formatCount(chC)}`,
        formatCompact(mb), formatCompact(mc), formatCountDelta(mb, mc, formatCompact)];
    }),
    numeric: [1, 2, 3, 4, 5, 6],
  };
}

/** Structured candidate, every layer: weight shape (channels) and MACs before → after. */
export function channelLayersTable(r: ComparisonReport): TableData | null {
  const s = r.sparsity;
  if (!s) return null;
  return {
    header: ['layer', 'category', 'weight shape base', 'weight shape candidate', 'MACs base', 'MACs candidate', 'MACs change'],
    rows: s.layers.map((l) => [
      l.modulePath || l.id, l.category, shape(l.baseDims), changed(l) ? shape(l.candidateDims) : 'unchanged',
      formatCompact(l.baseMacs), formatCompact(l.candidateMacs), formatCountDelta(l.baseMacs, l.candidateMacs, formatCompact),
    ]),
    numeric: [4, 5, 6],
  };
}

/** Per-layer table of a calibrated prune: sparsity and relative output error with the mask alone / after the refit. */
export function reconstructionTable(r: ComparisonReport): TableData | null {
  const layers = r.sparsity?.layers.filter((l) => l.reconstruction) ?? [];
  if (layers.length === 0) return null;
  const err = (e: number | null) => formatPercent(e, e !== null && e < 0.001 ? 4 : 2);
  return {
    header: ['layer', 'category', 'params', 'sparsity', 'refit', 'error, mask only', 'error, refit'],
    rows: layers.map((l) => [l.modulePath || l.id, l.category, formatCount(l.params), formatSparsity(l.params, l.candidateNonZero), l.reconstruction!.method, err(l.reconstruction!.errorBefore), err(l.reconstruction!.errorAfter)]),
    numeric: [2, 3, 5, 6],
  };
}

export function sparsityTable(r: ComparisonReport): TableData | null {
  const s = r.sparsity;
  if (!s) return null;
  return {
    header: ['category', 'layers', 'params', 'base sparsity', 'candidate sparsity'],
    rows: layersByCategory(s.layers).map((g) => {
      const params = g.layers.reduce((n, l) => n + l.params, 0);
      const bnz = g.layers.reduce((n, l) => n + l.baseNonZero, 0);
      const cnz = g.layers.reduce((n, l) => n + l.candidateNonZero, 0);
      return [g.category, String(g.layers.length), formatCount(params), formatSparsity(params, bnz), formatSparsity(params, cnz)];
    }),
    numeric: [1, 2, 3, 4],
  };
}
