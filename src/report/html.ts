/**
 * Self-contained HTML rendering of a {@link ComparisonReport}: inline CSS and inline SVG, no scripts, no
 * external references — it opens offline in any browser. Pure: data in, string out.
 */
import { formatBytes, formatCompact, formatCount, formatFraction, formatFractionDelta, formatMs, formatRelative, formatSparsity } from '../core/format.js';
import { distributionChart, esc, groupedBarChart, lineChart } from './svg.js';
import {
  accuracyTable, budgetTable, channelLayersTable, channelsTable, isStructured, latencyTable, layersByCategory, perClassTable, reconstructionTable,
  sizeTable, sparsityTable, type TableData,
} from './tables.js';
import type { ComparisonReport } from './types.js';

/** Ids of the sections every report contains (a section that was not measured says so). */
export const REPORT_SECTIONS = ['summary', 'size', 'accuracy', 'per-class', 'pr-curves', 'latency', 'sparsity', 'notes'] as const;

const BASE_COLOR = '#4e79a7';
const CAND_COLOR = '#e15759';

export const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#222}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#666;font-size:12px;word-break:break-all}
section{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:4px 18px 16px;margin-top:16px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px;margin-top:8px}
.card{border:1px solid #e2e4e8;border-radius:8px;padding:10px 12px;background:#fafbfc}
.card .k{font-size:12px;color:#666;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:20px;font-weight:600;margin:2px 0}
.card .d{font-size:13px;color:#444}
.ok{color:#1a7f37}.bad{color:#c62828}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left}th{background:#f0f2f5;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.chart{max-width:100%;height:auto;font-family:inherit}
.missing{color:#888;font-style:italic}
.verdict{font-weight:600}
ul.notes li{margin:6px 0}
`;

export function htmlTable(t: TableData, cls = ''): string {
  const head = t.header.map((h, i) => `<th${t.numeric.includes(i) ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${r.map((c, i) => `<td${t.numeric.includes(i) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function section(id: string, title: string, body: string | null, missing = 'Not measured in this run.'): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body ?? `<p class="missing">${esc(missing)}</p>`}</section>`;
}

function card(key: string, value: string, detail: string, cls = ''): string {
  return `<div class="card"><div class="k">${esc(key)}</div><div class="v${cls ? ` ${cls}` : ''}">${esc(value)}</div><div class="d">${esc(detail)}</div></div>`;
}

/** `float32 → int8 QDQ; ` (empty for reports written before precision was recorded). */
function precisionPair(r: ComparisonReport): string {
  const { base: b, candidate: c } = r.size;
  return b.precision && c.precision ? `${b.precision} → ${c.precision}; ` : '';
}

function summaryCards(r: ComparisonReport): string {
  const cards: string[] = [];
  const a = r.accuracy;
  if (a) {
    cards.push(card('mAP50-95', `${formatFraction(a.base.map5095)} → ${formatFraction(a.candidate.map5095)}`, formatFractionDelta(a.base.map5095, a.candidate.map5095)));
    cards.push(card('mAP50', `${formatFraction(a.base.map50)} → ${formatFraction(a.candidate.map50)}`, formatFractionDelta(a.base.map50, a.candidate.map50)));
  } else cards.push(card('accuracy', '–', 'not measured'));
  const l = r.latency;
  if (l) {
    cards.push(card('median latency', `${formatMs(l.base.medianMs)} → ${formatMs(l.candidate.medianMs)} ms`, `${precisionPair(r)}${l.comparison.verdict}`, l.comparison.significant ? (l.comparison.ratio > 1 ? 'ok' : 'bad') : ''));
  } else cards.push(card('latency', '–', 'not measured'));
  const s = r.size;
  const gz = s.base.gzipBytes != null && s.candidate.gzipBytes != null ? `; gzip ${formatBytes(s.base.gzipBytes)} → ${formatBytes(s.candidate.gzipBytes)}` : '';
  cards.push(card('file size', `${formatBytes(s.base.fileBytes)} → ${formatBytes(s.candidate.fileBytes)}`, `${precisionPair(r)}${formatRelative(s.base.fileBytes, s.candidate.fileBytes)}${gz}`));
  if (s.base.nonZeroParams !== null && s.candidate.nonZeroParams !== null) {
    cards.push(card('non-zero params', `${formatCount(s.base.nonZeroParams)} → ${formatCount(s.candidate.nonZeroParams)}`,
      `${formatRelative(s.base.nonZeroParams, s.candidate.nonZeroParams)}; sparsity ${formatSparsity(s.candidate.params, s.candidate.nonZeroParams)}`));
  }
  if (r.budget) {
    cards.push(card('accuracy budget', r.budget.ok ? 'holds' : 'BROKEN', r.budget.checks.map((c) => c.rule.text).join(', '), r.budget.ok ? 'ok' : 'bad'));
  }
  const budget = r.budget ? htmlTable(budgetTable(r)!) : '';
  return `<div class="cards">${cards.join('')}</div>${budget}`;
}

function prSection(r: ComparisonReport): string | null {
  const a = r.accuracy;
  if (!a) return null;
  const chart = lineChart({
    title: 'Precision–recall at IoU 0.5 (mean over classes)',
    xLabel: 'recall', yLabel: 'precision',
    series: [
      { name: `base (mAP50 ${formatFraction(a.base.map50)})`, color: BASE_COLOR, x: a.prCurve.base.recall, y: a.prCurve.base.precision },
      { name: `candidate (mAP50 ${formatFraction(a.candidate.map50)})`, color: CAND_COLOR, x: a.prCurve.candidate.recall, y: a.prCurve.candidate.precision },
    ],
  });
  return chart;
}

function latencySection(r: ComparisonReport): string | null {
  const l = r.latency;
  if (!l) return null;
  const chart = distributionChart({
    title: 'Latency distribution per run (ms); box: quartiles, whiskers 1.5 IQR',
    xLabel: 'latency per run (ms)',
    series: [
      { name: `base (median ${formatMs(l.base.medianMs)} ms)`, color: BASE_COLOR, values: l.samplesMs.base },
      { name: `candidate (median ${formatMs(l.candidate.medianMs)} ms)`, color: CAND_COLOR, values: l.samplesMs.candidate },
    ],
  });
  return `<p class="verdict">Candidate vs base: ${esc(l.comparison.verdict)}</p>` +
    `<p class="meta">${esc(l.settings)}; ${esc(l.environment)}; ratio of medians with a paired bootstrap over rounds (${l.comparison.resamples} resamples).</p>` +
    htmlTable(latencyTable(r)!) + chart;
}

/** Structured candidate: channels and MACs per layer (sparsity would read 0% everywhere). */
function channelsSection(r: ComparisonReport): string | null {
  const s = r.sparsity;
  if (!s) return null;
  const groups = layersByCategory(s.layers).map((g) => ({
    name: g.category,
    bars: g.layers.map((l) => {
      const b = l.baseMacs ?? null, c = l.candidateMacs ?? null;
      return {
        label: l.modulePath || l.id,
        value: b !== null && c !== null && b > 0 ? (b - c) / b : 0,
        tooltip: `${l.modulePath || l.id} (${l.id}): weight [${(l.baseDims ?? []).join(',')}] → [${(l.candidateDims ?? []).join(',')}], MACs ${formatCompact(b)} → ${formatCompact(c)}`,
      };
    }),
  }));
  return `<p class="meta">Channels were removed: each layer's weight shape (output channels first) and multiply-accumulates per inference, base → candidate; bars: the fraction of each layer's MACs removed. Categories: ${esc(s.categorySource)}.</p>` +
    htmlTable(channelsTable(r)!) + htmlTable(channelLayersTable(r)!, 'layers') +
    groupedBarChart({ title: 'Per-layer fraction of MACs removed in the candidate', groups, color: CAND_COLOR });
}

function sparsitySection(r: ComparisonReport): string | null {
  const s = r.sparsity;
  if (!s) return null;
  if (isStructured(r)) return channelsSection(r);
  const groups = layersByCategory(s.layers).map((g) => ({
    name: g.category,
    bars: g.layers.map((l) => ({
      label: l.modulePath || l.id,
      value: l.params > 0 ? (l.params - l.candidateNonZero) / l.params : 0,
      tooltip: `${l.modulePath || l.id} (${l.id}): ${formatCount(l.params)} params, candidate sparsity ${formatSparsity(l.params, l.candidateNonZero)}, base ${formatSparsity(l.params, l.baseNonZero)}`,
    })),
  }));
  const recon = reconstructionTable(r);
  const reconHtml = recon
    ? `<h3>Calibrated reconstruction per layer</h3><p class="meta">Relative output error ‖ΔY‖²/‖Y‖² of each layer on the calibration images, with the mask alone and after the kept weights were refit.</p>${htmlTable(recon)}`
    : '';
  return `<p class="meta">Categories: ${esc(s.categorySource)}. Bars: fraction of zero weights per layer in the candidate.</p>` +
    htmlTable(sparsityTable(r)!) + groupedBarChart({ title: 'Per-layer sparsity of the candidate', groups, color: CAND_COLOR }) + reconHtml;
}

export function renderHtml(r: ComparisonReport): string {
  const notes = r.notes.length ? `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : null;
  const body = [
    `<h1>${esc(r.title)}</h1>`,
    `<p class="meta">base: ${esc(r.base.path)}<br>candidate: ${esc(r.candidate.path)}<br>created ${esc(r.createdAt)}</p>`,
    section('summary', 'Summary', summaryCards(r)),
    section('size', 'Size', htmlTable(sizeTable(r))),
    section('accuracy', `Accuracy${r.accuracy ? ` — ${r.accuracy.dataset}, ${r.accuracy.images} images` : ''}`, r.accuracy ? htmlTable(accuracyTable(r)!) : null),
    // Every class, in the page's own flow (no inner scroll box: a print or a screenshot shows all of them).
    section('per-class', 'Per-class AP', r.accuracy ? htmlTable(perClassTable(r)!, 'per-class') : null),
    section('pr-curves', 'PR curves at IoU 0.5', prSection(r)),
    section('latency', 'Latency', latencySection(r)),
    section('sparsity', isStructured(r) ? 'Per-layer channels and MACs' : 'Per-layer sparsity', sparsitySection(r), 'No layer inventory for these models.'),
    section('notes', 'Honesty notes', notes, 'No caveats.'),
  ].join('\n');
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(r.title)}</title><style>${CSS}</style></head><body><main>\n${body}\n</main></body></html>\n`;
}
