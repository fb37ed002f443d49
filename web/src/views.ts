/** The page's result views (HTML strings): model summary, layer table, before → after, accuracy, latency. */
import { formatBytes, formatCompact, formatCount, formatFraction, formatMs, formatNumber, formatPercent } from '../../src/core/format.js';
import { esc } from '../../src/report/svg.js';
import type { BenchSummary, LayerRow, ModelView, PruneSummary, ValMetrics, ValSummary } from './protocol.js';

export function summaryTable(v: ModelView): string {
  const t = v.report.totals;
  const md = v.report.metadata;
  const io = (l: typeof v.report.inputs) => l.map((x) => `${esc(x.name)} [${x.shape.join(',')}]`).join(', ');
  const rows: [string, string][] = [
    ['file', `${esc(v.name)} (${formatBytes(v.bytes)})`], ['inputs', io(v.report.inputs)], ['outputs', io(v.report.outputs)],
    ['layers', `<span id="layer-count">${formatCount(t.layers)}</span> (${Object.entries(t.layersByOp).map(([k, n]) => `${n} ${k}`).join(', ')})`],
    ['weights', `<span id="weight-count">${formatCount(t.weightParams)}</span>, ${formatCount(t.zeroWeights)} zero (${formatPercent(t.sparsity)} sparse)`],
    ['MACs', t.macs === null ? 'unknown' : formatCompact(t.macs)], ['classes', md.nc === null ? 'no metadata' : String(md.nc)],
  ];
  return `<table class="kv">${rows.map(([k, val]) => `<tr><td>${k}</td><td>${val}</td></tr>`).join('')}</table>`;
}

export function layerTable(rows: readonly LayerRow[]): string {
  const head = '<tr><th>module path</th><th>class</th><th>category</th><th>op</th><th>shape</th><th class="n">params</th><th class="n">MACs</th><th>sparsity</th></tr>';
  const body = rows.map((r) => {
    const s = r.params > 0 ? 1 - r.nonZero / r.params : 0;
    return `<tr><td>${esc(r.modulePath)}</td><td>${esc(r.classChain)}</td><td>${esc(r.category)}</td><td>${r.opType}</td><td>${r.dims.join('×')}</td><td class="n">${formatCount(r.params)}</td><td class="n">${r.macs === null ? '?' : formatCompact(r.macs)}</td><td><span class="bar"><i style="width:${(100 * s).toFixed(1)}%"></i></span> ${formatPercent(s)}</td></tr>`;
  }).join('');
  return `<table id="layer-table">${head}${body}</table>`;
}

export function pruneView(s: PruneSummary): string {
  const rows: [string, string][] = [['policy', esc(s.policy)], [s.int8 ? 'file bytes' : s.macs ? 'params' : 'non-zero weights', `${formatCount(s.params.before)} → <span id="params-after" data-value="${s.params.after}">${formatCount(s.params.after)}</span>`]];
  if (s.macs) rows.push(['MACs', `${formatCount(s.macs.before)} → <span id="macs-after" data-value="${s.macs.after}">${formatCount(s.macs.after)}</span>`]);
  if (s.int8) rows.push(['INT8', `${s.int8.layers} layers quantized (weights int8 per channel, activations uint8, ${s.int8.method} on ${s.int8.images} images); ${s.int8.float} kept float`]);
  if (s.sparsity) rows.push(['sparsity of prunable weights', `${formatPercent(s.sparsity.before)} → <span id="sparsity-after">${formatPercent(s.sparsity.after)}</span>`]);
  if (s.checkpointNote) rows.push(['model', `${esc(s.checkpointNote)}; BatchNorm is not folded here: conv weights are pruned as stored`]);
  rows.push(['file', `${esc(s.name)} (${formatBytes(s.bytes)})`], ['time', `${formatNumber(s.seconds, 2)} s`]);
  return `<h3>Before → after</h3><table class="kv" id="prune-summary">${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table><details><summary>Layers after</summary>${layerTable(s.afterRows)}</details>`;
}

function metricsRow(label: string, m: ValMetrics): string {
  return `<tr data-model="${esc(label)}" data-map50="${m.map50}" data-map5095="${m.map5095}" data-precision="${m.precision}" data-recall="${m.recall}"><td>${esc(label)}</td><td class="n">${formatFraction(m.precision)}</td><td class="n">${formatFraction(m.recall)}</td><td class="n map50">${formatFraction(m.map50)}</td><td class="n">${formatFraction(m.map5095)}</td></tr>`;
}

export function valView(s: ValSummary): string {
  const head = '<tr><th>model</th><th class="n">P</th><th class="n">R</th><th class="n">mAP50</th><th class="n">mAP50-95</th></tr>';
  const perClass = s.base.perClass.map((c, i) => {
    const cc = s.candidate?.perClass[i];
    return `<tr><td>${esc(c.name)}</td><td class="n">${formatCount(c.images)}</td><td class="n">${formatCount(c.instances)}</td><td class="n">${formatFraction(c.map50)}</td><td class="n">${formatFraction(c.map5095)}</td>${cc ? `<td class="n">${formatFraction(cc.map50)}</td><td class="n">${formatFraction(cc.map5095)}</td>` : ''}</tr>`;
  }).join('');
  const warn = s.warnings.length ? `<p class="muted">${s.warnings.map(esc).join('<br>')}</p>` : '';
  return `<h3>Accuracy on ${s.images} images (${s.instances} boxes)</h3><table id="val-table">${head}${metricsRow('original', s.base)}${s.candidate ? metricsRow('compressed', s.candidate) : ''}</table>${warn}
  <details><summary>Per class</summary><table><tr><th>class</th><th class="n">images</th><th class="n">boxes</th><th class="n">mAP50</th><th class="n">mAP50-95</th>${s.candidate ? '<th class="n">mAP50 (compressed)</th><th class="n">mAP50-95 (compressed)</th>' : ''}</tr>${perClass}</table></details>
  <p class="muted">${formatNumber(s.imagesPerSecond, 2)} images/s (${formatNumber(s.seconds, 1)} s); per image: decode + letterbox ${formatNumber(s.speed.preprocessMs, 1)} ms, inference ${formatNumber(s.speed.inferenceMs, 1)} ms, postprocess ${formatNumber(s.speed.postprocessMs, 1)} ms</p>`;
}

export function benchView(s: BenchSummary): string {
  const row = (l: string, v: { medianMs: number; p90Ms: number }) => `<tr><td>${l}</td><td class="n">${formatMs(v.medianMs)}</td><td class="n">${formatMs(v.p90Ms)}</td></tr>`;
  return `<h3>Latency (WebAssembly, ${s.threads} thread${s.threads > 1 ? 's' : ''})</h3><table id="bench-table"><tr><th>model</th><th class="n">median ms</th><th class="n">p90 ms</th></tr>${row('original', s.base)}${s.candidate ? row('compressed', s.candidate) : ''}</table>${s.verdict ? `<p>${esc(s.verdict)}</p>` : ''}`;
}
