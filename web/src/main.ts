/**
 * The page: file drops, settings, tables and downloads. Every model operation runs in the Web Worker
 * (worker.ts); Cancel terminates it and starts a fresh one (the dropped model is sent again), so a long run
 * never freezes the tab. Errors arrive with the library's typed error name and message and are shown as-is.
 */
import { PRESETS } from '../../src/prune/presets.js';
import { big, esc, fmt, mb, pct } from './format.js';
import { WEIGHTS_NOTE, weightsSummaryTable, weightsTable } from './weights-view.js';
import type { BenchSummary, DroppedFile, ModelView, PruneSettings, PruneSummary, Reply, Request, ValMetrics, ValSummary } from './protocol.js';

/** Larger files cannot be held in one ArrayBuffer by the browser (and onnxruntime-web's 32-bit wasm heap). */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let worker: Worker;
let nextId = 1;
const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
let modelFile: File | undefined;
let pruned: { summary: PruneSummary; model: Blob } | undefined;
let dataFiles: DroppedFile[] = [];

class WorkerError extends Error {}

function startWorker(): Promise<Reply> {
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (ev: MessageEvent<Reply>) => {
    const r = ev.data;
    if (r.kind === 'progress') { showProgress(r.stage, r.done, r.total); return; }
    const w = waiting.get(r.id);
    if (!w) return;
    waiting.delete(r.id);
    if (r.kind === 'error') { const e = new WorkerError(r.message); e.name = r.name; w.reject(e); } else w.resolve(r);
  };
  worker.onerror = (ev) => {
    for (const w of waiting.values()) w.reject(new Error(ev.message || 'the worker stopped (out of memory?)'));
    waiting.clear();
  };
  const asked = Number(new URLSearchParams(location.search).get('threads'));
  const threads = Number.isInteger(asked) && asked > 0 ? asked : Math.min(4, navigator.hardwareConcurrency || 1);
  return call({ kind: 'init', wasmBase: new URL('ort/', document.baseURI).href, threads });
}

type Body = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
function call(body: Body): Promise<Reply> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ ...body, id } as Request);
  });
}

function showError(e: unknown): void {
  const box = $('error');
  const name = e instanceof Error ? e.name : 'Error';
  box.innerHTML = `<b>${esc(name)}</b>${esc(e instanceof Error ? e.message : String(e))}`;
  box.hidden = false;
}
const clearError = () => { $('error').hidden = true; };

function showProgress(stage: string, done: number, total: number): void {
  $<HTMLProgressElement>('progress').value = total > 0 ? done / total : 0;
  $('progress-label').textContent = `${stage}: ${done}/${total}`;
}

/** Run one worker job with the busy bar; errors go to the error box. */
async function busy<T>(label: string, job: () => Promise<T>): Promise<T | undefined> {
  clearError();
  $('busy').hidden = false;
  showProgress(label, 0, 0);
  try {
    return await job();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    $('busy').hidden = true;
  }
}

function summaryTable(v: ModelView): string {
  const t = v.report.totals;
  const md = v.report.metadata;
  const io = (l: typeof v.report.inputs) => l.map((x) => `${esc(x.name)} [${x.shape.join(',')}]`).join(', ');
  const rows: [string, string][] = [
    ['file', `${esc(v.name)} (${mb(v.bytes)})`], ['inputs', io(v.report.inputs)], ['outputs', io(v.report.outputs)],
    ['layers', `<span id="layer-count">${fmt(t.layers)}</span> (${Object.entries(t.layersByOp).map(([k, n]) => `${n} ${k}`).join(', ')})`],
    ['weights', `<span id="weight-count">${fmt(t.weightParams)}</span>, ${fmt(t.zeroWeights)} zero (${pct(t.sparsity)} sparse)`],
    ['MACs', t.macs === null ? 'unknown' : big(t.macs)], ['classes', md.nc === null ? 'no metadata' : String(md.nc)],
  ];
  return `<table class="kv">${rows.map(([k, val]) => `<tr><td>${k}</td><td>${val}</td></tr>`).join('')}</table>`;
}

function layerTable(v: ModelView): string {
  const head = '<tr><th>module path</th><th>class</th><th>category</th><th>op</th><th>shape</th><th class="n">params</th><th class="n">MACs</th><th>sparsity</th></tr>';
  const body = v.rows.map((r) => {
    const s = r.params > 0 ? 1 - r.nonZero / r.params : 0;
    return `<tr><td>${esc(r.modulePath)}</td><td>${esc(r.classChain)}</td><td>${esc(r.category)}</td><td>${r.opType}</td><td>${r.dims.join('×')}</td><td class="n">${fmt(r.params)}</td><td class="n">${r.macs === null ? '?' : big(r.macs)}</td><td><span class="bar"><i style="width:${(100 * s).toFixed(1)}%"></i></span> ${pct(s)}</td></tr>`;
  }).join('');
  return `<table id="layer-table">${head}${body}</table>`;
}

async function openModel(file: File): Promise<void> {
  if (file.size > MAX_MODEL_BYTES) { showError(Object.assign(new Error(`${file.name}: ${mb(file.size)} is over the browser's 2 GB limit for one file; use the CLI (prunekit) for this model`), { name: 'UsageError' })); return; }
  modelFile = undefined;
  pruned = undefined;
  for (const id of ['compress-view', 'data-view', 'download-view', 'layers-box']) $(id).hidden = true;
  $('model-summary').innerHTML = $('layers').innerHTML = '';
  const r = await busy('reading model', () => call({ kind: 'inspect', name: file.name, file }));
  if (r?.kind === 'weights') {
    $('model-summary').innerHTML = `${weightsSummaryTable(r.summary)}<p class="muted" id="weights-note">${esc(WEIGHTS_NOTE)}</p>`;
    $('layers').innerHTML = weightsTable(r.summary);
    $('layers-box').hidden = false;
    return;
  }
  if (!r || r.kind !== 'inspected') return;
  modelFile = file;
  $('model-summary').innerHTML = summaryTable(r.view);
  $('layers').innerHTML = layerTable(r.view);
  $('layers-box').hidden = false;
  $('compress-view').hidden = false;
  $('data-view').hidden = false;
  $('download-view').hidden = true;
  $('prune-result').innerHTML = $('val-result').innerHTML = $('bench-result').innerHTML = '';
}

function pruneView(s: PruneSummary): string {
  const rows: [string, string][] = [['policy', esc(s.policy)], [s.int8 ? 'file bytes' : s.macs ? 'params' : 'non-zero weights', `${fmt(s.params.before)} → <span id="params-after" data-value="${s.params.after}">${fmt(s.params.after)}</span>`]];
  if (s.macs) rows.push(['MACs', `${fmt(s.macs.before)} → <span id="macs-after" data-value="${s.macs.after}">${fmt(s.macs.after)}</span>`]);
  if (s.int8) rows.push(['INT8', `${s.int8.layers} layers quantized (weights int8 per channel, activations uint8, ${s.int8.method} on ${s.int8.images} images); ${s.int8.float} kept float`]);
  if (s.sparsity) rows.push(['sparsity of prunable weights', `${pct(s.sparsity.before)} → <span id="sparsity-after">${pct(s.sparsity.after)}</span>`]);
  rows.push(['file', `${esc(s.name)} (${mb(s.bytes)})`], ['time', `${s.seconds.toFixed(2)} s`]);
  return `<h3>Before → after</h3><table class="kv" id="prune-summary">${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table><details><summary>Layers after</summary>${layerTable(s.after)}</details>`;
}

function num(id: string): number | undefined {
  const v = $<HTMLInputElement>(id).value.trim();
  return v === '' ? undefined : Number(v);
}

async function runPrune(): Promise<void> {
  const mode = $<HTMLSelectElement>('mode').value as PruneSettings['mode'];
  const settings: PruneSettings = {
    mode, preset: $<HTMLSelectElement>('preset').value, target: mode === 'int8' ? undefined : num('target'),
    ratio: mode === 'structured' ? num('ratio') : undefined, calibImages: mode === 'unstructured' ? undefined : num('calib') || undefined,
  };
  const r = await busy('compressing', () => call({ kind: 'prune', settings, images: dataFiles }));
  if (!r || r.kind !== 'pruned') return;
  pruned = { summary: r.summary, model: r.model };
  $('prune-result').innerHTML = pruneView(r.summary);
  $('download-view').hidden = false;
}

function metricsRow(label: string, m: ValMetrics): string {
  return `<tr data-model="${esc(label)}" data-map50="${m.map50}" data-map5095="${m.map5095}" data-precision="${m.precision}" data-recall="${m.recall}"><td>${esc(label)}</td><td class="n">${m.precision.toFixed(4)}</td><td class="n">${m.recall.toFixed(4)}</td><td class="n map50">${m.map50.toFixed(4)}</td><td class="n">${m.map5095.toFixed(4)}</td></tr>`;
}

function valView(s: ValSummary): string {
  const head = '<tr><th>model</th><th class="n">P</th><th class="n">R</th><th class="n">mAP50</th><th class="n">mAP50-95</th></tr>';
  const perClass = s.base.perClass.map((c, i) => {
    const cc = s.candidate?.perClass[i];
    return `<tr><td>${esc(c.name)}</td><td class="n">${c.images}</td><td class="n">${c.instances}</td><td class="n">${c.map50.toFixed(3)}</td><td class="n">${c.map5095.toFixed(3)}</td>${cc ? `<td class="n">${cc.map50.toFixed(3)}</td><td class="n">${cc.map5095.toFixed(3)}</td>` : ''}</tr>`;
  }).join('');
  const warn = s.warnings.length ? `<p class="muted">${s.warnings.map(esc).join('<br>')}</p>` : '';
  return `<h3>Accuracy on ${s.images} images (${s.instances} boxes)</h3><table id="val-table">${head}${metricsRow('original', s.base)}${s.candidate ? metricsRow('compressed', s.candidate) : ''}</table>${warn}
  <details><summary>Per class</summary><table><tr><th>class</th><th class="n">images</th><th class="n">boxes</th><th class="n">mAP50</th><th class="n">mAP50-95</th>${s.candidate ? '<th class="n">mAP50 (compressed)</th><th class="n">mAP50-95 (compressed)</th>' : ''}</tr>${perClass}</table></details>
  <p class="muted">${s.imagesPerSecond.toFixed(2)} images/s (${s.seconds.toFixed(1)} s); per image: decode + letterbox ${s.speed.preprocessMs.toFixed(1)} ms, inference ${s.speed.inferenceMs.toFixed(1)} ms, postprocess ${s.speed.postprocessMs.toFixed(1)} ms</p>`;
}

function benchView(s: BenchSummary): string {
  const row = (l: string, v: { medianMs: number; p90Ms: number }) => `<tr><td>${l}</td><td class="n">${v.medianMs.toFixed(2)}</td><td class="n">${v.p90Ms.toFixed(2)}</td></tr>`;
  return `<h3>Latency (WebAssembly, ${s.threads} thread${s.threads > 1 ? 's' : ''})</h3><table id="bench-table"><tr><th>model</th><th class="n">median ms</th><th class="n">p90 ms</th></tr>${row('original', s.base)}${s.candidate ? row('compressed', s.candidate) : ''}</table>${s.verdict ? `<p>${esc(s.verdict)}</p>` : ''}`;
}

function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url; a.download = name; document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Every file under a dropped directory entry, with its path. */
async function walkEntry(entry: FileSystemEntry, out: DroppedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ path: entry.fullPath.replace(/^\//, ''), file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) break;
    for (const e of batch) await walkEntry(e, out);
  }
}

function setData(files: DroppedFile[]): void {
  dataFiles = files;
  const images = files.filter((f) => /\.(jpe?g|png|bmp|webp|tiff?)$/i.test(f.path)).length;
  const labels = files.filter((f) => f.path.endsWith('.txt')).length;
  $('data-files').textContent = `${files.length} files: ${images} images, ${labels} label files${files.some((f) => /\.ya?ml$/i.test(f.path)) ? ', a data.yaml' : ''}`;
  $<HTMLButtonElement>('run-val').disabled = files.length === 0;
}

function dropZone(id: string, onFiles: (files: DroppedFile[]) => void): void {
  const zone = $(id);
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const items = [...(e.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
    const out: DroppedFile[] = [];
    void Promise.all(items.map((it) => walkEntry(it, out))).then(() => onFiles(out), showError);
  });
}

const inputFiles = (input: HTMLInputElement): DroppedFile[] => [...(input.files ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));

function wire(): void {
  for (const p of PRESETS.values()) $('preset').insertAdjacentHTML('beforeend', `<option value="${esc(p.name)}"${p.name === 'yolov8' ? ' selected' : ''}>${esc(p.name)}</option>`);
  const syncMode = () => {
    const mode = $<HTMLSelectElement>('mode').value;
    for (const el of document.querySelectorAll<HTMLElement>('[data-modes]')) el.hidden = !el.dataset.modes!.split(' ').includes(mode);
  };
  $('mode').addEventListener('change', syncMode);
  syncMode();
  $<HTMLInputElement>('model-input').addEventListener('change', (e) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) void openModel(f); });
  dropZone('model-drop', (files) => { if (files[0]) void openModel(files[0].file); });
  $<HTMLInputElement>('data-input').addEventListener('change', (e) => setData(inputFiles(e.target as HTMLInputElement)));
  dropZone('data-drop', setData);
  $('prune-form').addEventListener('submit', (e) => { e.preventDefault(); void runPrune(); });
  $('run-val').addEventListener('click', async () => {
    const r = await busy('validating', () => call({ kind: 'val', files: dataFiles }));
    if (r?.kind === 'validated') $('val-result').innerHTML = valView(r.summary);
  });
  $('run-bench').addEventListener('click', async () => {
    const r = await busy('benchmarking', () => call({ kind: 'bench', runs: Math.max(2, num('bench-runs') ?? 20) }));
    if (r?.kind === 'benched') $('bench-result').innerHTML = benchView(r.summary);
  });
  $('cancel').addEventListener('click', () => {
    worker.terminate();
    for (const w of waiting.values()) w.reject(Object.assign(new Error('cancelled; nothing was changed'), { name: 'Cancelled' }));
    waiting.clear();
    pruned = undefined;
    $('download-view').hidden = true;
    // Sent at once, not after the init reply: the worker runs messages in order, so a job the user starts right
    // away is queued behind the reload of the model.
    startWorker().catch(showError);
    if (modelFile) call({ kind: 'inspect', name: modelFile.name, file: modelFile }).catch(showError);
  });
  $('dl-model').addEventListener('click', () => { if (pruned) download(pruned.summary.name, pruned.model, 'application/octet-stream'); });
  $('dl-json').addEventListener('click', () => { if (pruned) download(pruned.summary.name.replace(/\.onnx$/, '.json'), JSON.stringify(pruned.summary.json, null, 2), 'application/json'); });
  const report = async (kind: 'html' | 'json') => {
    const r = await busy('report', () => call({ kind: 'report' }));
    if (r?.kind !== 'report' || !pruned) return;
    const stem = pruned.summary.name.replace(/\.onnx$/, '');
    if (kind === 'html') download(`${stem}-report.html`, r.html, 'text/html');
    else download(`${stem}-report.json`, JSON.stringify(r.json, null, 2), 'application/json');
  };
  $('dl-report').addEventListener('click', () => void report('html'));
  $('dl-report-json').addEventListener('click', () => void report('json'));
}

wire();
startWorker().then((r) => {
  if (r.kind === 'ready') $('runtime').textContent = `onnxruntime-web (WebAssembly), ${r.threads} thread${r.threads > 1 ? 's' : ''}${r.isolated ? '' : ' (page not cross-origin isolated)'} — ready`;
  document.body.dataset.ready = 'true';
}, showError);
