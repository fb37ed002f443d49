/**
 * The page's view of a `.pt` / `.pth` / `.safetensors` summary: what `prunekit inspect` prints (checkpoint
 * metadata, module and parameter counts, suspicious pickle globals) and the module tree as a table
 * (`inspect --layers`), or the tensor-name prefixes of a safetensors file.
 */
import { formatBytes, formatCount } from '../../src/core/format.js';
import { esc } from '../../src/report/svg.js';
import type { WeightsSummary } from './weights.js';

const kv = (rows: [string, string][]): string => `<table class="kv">${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table>`;
const dtypes = (byDType: Partial<Record<string, number>>): string => Object.entries(byDType).map(([d, n]) => `${d} ${formatCount(n ?? 0)}`).join(', ');

/** Summary table; `#module-count` and `#param-count` hold the counts `inspect --json` reports. */
export function weightsSummaryTable(s: WeightsSummary): string {
  if (s.format === 'safetensors') {
    return kv([
      ['file', `${esc(s.file)} (${formatBytes(s.bytes)}), safetensors`], ['tensors', `<span id="module-count">${formatCount(s.tensors)}</span>`],
      ['values', `<span id="param-count">${formatCount(s.parameters.total)}</span> (${esc(dtypes(s.parameters.byDType))})`], ['note', esc(s.note)],
    ]);
  }
  const u = s.ultralytics;
  const meta = [u.version && `version ${u.version}`, u.date && `date ${u.date}`, u.epoch !== undefined && `epoch ${u.epoch}`].filter(Boolean).join(', ');
  const names = u.names ? Object.entries(u.names) : [];
  const rows: [string, string][] = [
    ['file', `${esc(s.file)} (${formatBytes(s.bytes)}), PyTorch checkpoint (archive '${esc(s.archiveName)}')`],
    ...(meta ? [['ultralytics', esc(meta)] as [string, string]] : []),
    ...(names.length ? [['classes', `${names.length}: ${esc(names.slice(0, 20).map(([i, n]) => `${i}:${n}`).join(' '))}${names.length > 20 ? ' …' : ''}`] as [string, string]] : []),
    ['model', `${esc(s.model.note)}${s.model.rootClass ? ` — ${esc(s.model.rootClass)}` : ''}`],
    ['modules', `<span id="module-count">${formatCount(s.model.modules)}</span>${s.model.hasClasses ? '' : ' (no module classes in this file)'}`],
    ['parameters', `<span id="param-count">${formatCount(s.parameters.total)}</span>, buffers ${formatCount(s.parameters.buffers)}; state_dict ${s.parameters.stateDictTensors} tensors (${esc(dtypes(s.parameters.byDType))})`],
  ];
  const warn = s.globals.suspicious.length
    ? `<p class="warn">The pickle names ${s.globals.suspicious.length} suspicious global(s) that torch.load would execute (prunekit never does): ${s.globals.suspicious.map((g) => esc(g.name)).join(', ')}</p>` : '';
  return kv(rows) + warn;
}

/** One row per module (`#module-table`), or per tensor-name prefix for safetensors. */
export function weightsTable(s: WeightsSummary): string {
  if (s.format === 'safetensors') {
    return `<table id="module-table"><tr><th>prefix</th><th class="n">tensors</th><th class="n">values</th></tr>${s.prefixes.map((p) => `<tr><td>${esc(p.prefix)}</td><td class="n">${p.tensors}</td><td class="n">${formatCount(p.params)}</td></tr>`).join('')}</table>`;
  }
  const body = s.tree.modules.map((m) => `<tr><td>${esc(m.path || '<root>')}</td><td>${esc(m.qualifiedClass)}</td><td class="n">${formatCount(m.ownParams)}</td><td class="n">${formatCount(m.ownBuffers)}</td></tr>`).join('');
  return `<table id="module-table"><tr><th>module path</th><th>class</th><th class="n">own params</th><th class="n">own buffers</th></tr>${body}</table>`;
}

export const WEIGHTS_NOTE = 'Compress zeroes weights of the checkpoint itself, as prunekit prune best.pt -o best-pruned.pt does (same bytes). Structured pruning and INT8 need an ONNX graph: export the checkpoint (yolo export format=onnx) and drop the .onnx. Validation and benchmarks run the ONNX export (step 3).';
