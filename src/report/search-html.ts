/**
 * The HTML page of a sensitivity / optimize run: which images served what, the Pareto plot (verified accuracy vs
 * measured speed-up), one small chart per channel group (proxy damage and real mAP50 drop vs ratio), sorted by
 * speed bought per accuracy lost. Pure: JSON in, string out; inline SVG, no scripts.
 */
import { formatFraction, formatNumber, formatPercent, formatRatio } from '../core/format.js';
import type { SearchJson } from '../search/report-json.js';
import { CSS, htmlTable, section } from './html.js';
import { esc, lineChart } from './svg.js';

const pct = formatPercent;
const x = formatRatio;

function imagesSection(j: SearchJson): string {
  const rows = [['search: verification of combinations', j.images.search], ['search: proxy of single cuts', j.images.proxy], ['calibration (refit)', j.images.calibration], ['measurement', j.images.measurement]];
  return htmlTable({ header: ['role', 'images'], rows, numeric: [] }) + `<p class="meta">Proxy: ${esc(j.proxy)}. Rank correlation with the real mAP50 drop over ${j.rankCorrelation.points} single-group cuts: agreement ${formatNumber(j.rankCorrelation.agreementVsMap50, 2)}, head-output error ${formatNumber(j.rankCorrelation.outputErrorVsMap50, 2)} (Spearman).</p>`;
}

function paretoSection(j: SearchJson): string | null {
  const o = j.optimize;
  if (!o) return null;
  const pts = [...o.pareto].sort((a, b) => a.speedup - b.speedup);
  const maxSpeed = Math.max(1.05, ...pts.map((p) => p.speedup));
  const sx = (s: number) => (s - 1) / (maxSpeed - 1 || 1);
  const holds = pts.filter((p) => p.accepted ?? p.holds);
  const chart = lineChart({
    title: 'Explored points: measured speed-up vs verified drop (search images)',
    xLabel: `speed-up, 1× … ${x(maxSpeed)}`, yLabel: 'drop of the budget metric (0 … 10%)',
    series: [
      { name: 'all explored', color: '#4e79a7', x: pts.map((p) => sx(p.speedup)), y: pts.map((p) => p.drop * 10) },
      { name: 'accepted (bound within budget)', color: '#59a14f', x: holds.map((p) => sx(p.speedup)), y: holds.map((p) => p.drop * 10) },
    ],
  });
  const rows = o.pareto.map((p) => [p.via + (p.chosen ? ' (chosen)' : ''), String(p.units), pct(p.predictedGain), pct(p.drop, 2), pct(p.bound ?? p.drop, 2), (p.accepted ?? p.holds) ? 'yes' : 'no', `${x(p.speedup)} (${x(p.ciLow)}–${x(p.ciHigh)})`]);
  const m = o.measured;
  return `<p class="verdict ${m.holds ? 'ok' : 'bad'}">Chosen model on the measurement images (${esc(m.set)}): mAP50 ${formatFraction(m.original.map50)} → ${formatFraction(m.chosen.map50)}, drop ${pct(m.drop, 2)} — budget ${esc(o.budget)} ${m.holds ? 'holds' : 'BROKEN'}${m.inSample ? ' (in-sample)' : ''}.</p>`
    + chart + htmlTable({ header: ['point', 'groups cut', 'predicted gain', 'drop (search)', 'upper bound (search)', 'accepted', 'speed-up (95% CI)'], rows, numeric: [1, 2, 3, 4, 6] })
    + (o.selection ? `<p class="meta">Acceptance: ${o.selection.confidence === null ? 'point estimate' : `paired-bootstrap upper bound (${o.selection.resamples} resamples) at ${pct(o.selection.correctedLevel ?? NaN, 2)} one-sided (${pct(o.selection.confidence, 0)} with a Bonferroni correction over ${o.selection.family} verified points)`} ≤ ${pct(o.selection.threshold, 2)}. ${esc(o.selection.reason)}.</p>` : '');
}

function unitsSection(j: SearchJson): string {
  const charts = j.units.map((u) => {
    const pts = u.points.filter((p) => p.damage !== null);
    const lat = u.latency ? `; ${x(u.latency.speedup, 3)} at ${u.latency.ratio}` : '';
    return `<div style="display:inline-block;vertical-align:top;margin:4px">` + lineChart({
      title: `${u.root} (${u.channels} ch${lat})`, xLabel: `ratio — ${u.root}${lat}`, yLabel: 'damage', width: 300, height: 200,
      series: [
        { name: 'proxy', color: '#e15759', x: [0, ...pts.map((p) => p.ratio)], y: [0, ...pts.map((p) => p.damage!)] },
        { name: 'mAP50 drop', color: '#4e79a7', x: [0, ...pts.map((p) => p.ratio)], y: [0, ...pts.map((p) => Math.max(0, p.map50Drop ?? 0))] },
      ],
    }) + '</div>';
  });
  const rows = j.units.map((u) => [u.root, String(u.channels), u.latency ? `${x(u.latency.speedup, 3)} @${u.latency.ratio}` : '–', formatNumber(u.speedPerDamage, 2),
    u.points.map((p) => (p.damage === null ? `${p.ratio}: ${p.status}` : `${p.ratio}: ${pct(p.damage)}`)).join(', ')]);
  return htmlTable({ header: ['group (root)', 'channels', 'speed-up at deepest timed cut', 'speed per damage', 'proxy damage by ratio'], rows, numeric: [1, 3] }) + `<div>${charts.join('')}</div>`;
}

/** `optimize --int8`: the float-set probes, the timed candidates and the measured choice. */
function int8Section(j: SearchJson): string | null {
  const s = j.int8;
  if (!s) return null;
  const m = s.measured;
  const verdict = `<p class="verdict ${m.holds ? 'ok' : 'bad'}">Chosen: ${s.chosen ? esc(s.chosen.order === 'none' ? 'the structured model (INT8 did not pay)' : `${s.chosen.base} + INT8 as quantize makes it (${s.chosen.quantizeFloat.length} layers float)${s.chosen.floatLayers.length ? ` and ${s.chosen.floatLayers.length} of ${s.chosen.units} more layers float` : ''}`) : 'none held'}; on ${esc(m.set)}: mAP50 ${formatFraction(m.original.map50)} → ${formatFraction(m.chosen.map50)}, drop ${pct(m.drop, 2)} — ${m.holds ? 'holds' : 'BROKEN'}${m.inSample ? ' (in-sample)' : ''}.</p>`;
  const candidates = htmlTable({
    header: ['candidate', 'float layers (quantize + search)', 'drop (search)', 'upper bound (search)', 'speed-up (95% CI)'], numeric: [1, 2, 3, 4],
    rows: s.candidates.map((c) => [`${c.base}${c.order === 'none' ? ' only' : ` + INT8 (${c.order})`}${c.chosen ? ' (chosen)' : ''}`, c.order === 'none' ? '–' : `${c.quantizeFloat.length} + ${c.floatLayers.length}/${c.units}`, pct(c.drop, 2), pct(c.bound ?? c.drop, 2), `${x(c.speedup, 3)} (${x(c.ciLow, 3)}–${x(c.ciHigh, 3)})`]),
  });
  const probes = htmlTable({ header: ['base', 'order', 'layers float', 'drop (search)', 'bound (plain level)', 'holds'], numeric: [2, 3, 4], rows: s.probes.map((p) => [p.base, p.order, String(p.k), pct(p.drop, 2), pct(p.bound ?? p.drop, 2), p.holds ? 'yes' : 'no']) });
  return verdict + candidates + probes + int8UnitsSection(s.units);
}

/** The INT8 units (`sensitivity --int8`, `optimize --int8`): damage quantized alone / kept float, latency of keeping it float. */
function int8UnitsSection(units: ReadonlyArray<{ node: string; kind: string | undefined; quantizedSqnrDb: number; keptFloatGainDb: number; keptFloatSpeed: number }>): string {
  return htmlTable({
    header: ['INT8 unit (most SQNR regained kept float first)', 'kind', 'SQNR quantized alone (dB)', 'SQNR regained kept float (dB)', 'speed kept float'], numeric: [2, 3, 4],
    rows: [...units].sort((a, b) => b.keptFloatGainDb - a.keptFloatGainDb).map((u) => [u.node, u.kind ?? '', formatNumber(u.quantizedSqnrDb, 1), formatNumber(u.keptFloatGainDb, 2), Number.isFinite(u.keptFloatSpeed) ? x(u.keptFloatSpeed, 3) : '–']),
  });
}

export function renderSearchHtml(j: SearchJson): string {
  const title = `prunekit ${j.command}: ${j.model}`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">created ${esc(j.createdAt)}; ${j.evaluations} evaluations; ${Object.entries(j.seconds).map(([k, v]) => `${k} ${formatNumber(v, 1)} s`).join(', ')}</p>`,
    section('images', 'Which images served what', imagesSection(j)),
    section('pareto', 'Pareto front and chosen point', paretoSection(j), 'Sensitivity only: no optimisation in this run.'),
    section('units', 'Sensitivity per channel group (sorted by speed bought per accuracy lost)', unitsSection(j)),
    ...(j.int8 ? [section('int8', 'INT8 on top: which layers stay float', int8Section(j))] : []),
    ...(j.int8Units ? [section('int8units', 'INT8 units', int8UnitsSection(j.int8Units.units))] : []),
  ].join('\n');
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(title)}</title><style>${CSS}</style></head><body><main>\n${body}\n</main></body></html>\n`;
}
