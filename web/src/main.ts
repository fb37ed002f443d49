/**
 * The page: file drops, settings, tables and downloads. Every model operation runs in the Web Worker
 * (worker.ts); Cancel terminates it and starts a fresh one (the dropped model is sent again), so a long run
 * never freezes the tab. Errors arrive with the library's typed error name and message and are shown as-is.
 */
import { PRESETS } from '../../src/prune/presets.js';
import { formatCount, formatPercent } from '../../src/core/format.js';
import { esc } from '../../src/report/svg.js';
import { fileTooLarge } from './limits.js';
import { benchView, layerTable, pruneView, summaryTable, valView } from './views.js';
import { WEIGHTS_NOTE, weightsSummaryTable, weightsTable } from './weights-view.js';
import type { DroppedFile, PruneSettings, PruneSummary, Reply, Request, TwinSlot } from './protocol.js';


const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let worker: Worker;
let nextId = 1;
const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
let modelFile: File | undefined;
let pruned: { summary: PruneSummary; model: Blob } | undefined;
let dataFiles: DroppedFile[] = [];
/** The ONNX twins dropped for a checkpoint (re-sent to a restarted worker after Cancel). */
const twinFiles: Partial<Record<TwinSlot, File>> = {};

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


/** Checkpoints offer only unstructured pruning (structured and INT8 need an ONNX graph). */
function setCheckpointMode(checkpoint: boolean): void {
  for (const o of $<HTMLSelectElement>('mode').options) o.disabled = checkpoint && o.value !== 'unstructured';
  if (checkpoint) $<HTMLSelectElement>('mode').value = 'unstructured';
  $('mode').dispatchEvent(new Event('change'));
  $('twin-box').hidden = !checkpoint;
  clearTwin('base');
  clearTwin('candidate');
}

function clearTwin(slot: TwinSlot): void {
  delete twinFiles[slot];
  $(`twin-${slot}`).textContent = '';
  $<HTMLInputElement>(`twin-${slot}-input`).value = '';
  $('twin-warnings').hidden = true;
}

async function openModel(file: File): Promise<void> {
  const tooLarge = fileTooLarge(file.name, file.size);
  if (tooLarge) { showError(tooLarge); return; }
  modelFile = undefined;
  pruned = undefined;
  for (const id of ['compress-view', 'data-view', 'download-view', 'layers-box']) $(id).hidden = true;
  $('model-summary').innerHTML = $('layers').innerHTML = '';
  const r = await busy('reading model', () => call({ kind: 'inspect', name: file.name, file }));
  if (r?.kind === 'weights') {
    $('model-summary').innerHTML = `${weightsSummaryTable(r.summary)}<p class="muted" id="weights-note">${esc(WEIGHTS_NOTE)}</p>`;
    $('layers').innerHTML = weightsTable(r.summary);
  } else if (r?.kind === 'inspected') {
    $('model-summary').innerHTML = summaryTable(r.view);
    $('layers').innerHTML = layerTable(r.view.rows);
  } else return;
  modelFile = file;
  setCheckpointMode(r.kind === 'weights');
  $('layers-box').hidden = false;
  $('compress-view').hidden = false;
  $('data-view').hidden = false;
  $('download-view').hidden = true;
  $('prune-result').innerHTML = $('val-result').innerHTML = $('bench-result').innerHTML = '';
}

/** Send the ONNX twin of the dropped checkpoint (or of the compressed one) to the worker. */
async function openTwin(slot: TwinSlot, file: File): Promise<void> {
  const tooLarge = fileTooLarge(file.name, file.size);
  if (tooLarge) { showError(tooLarge); return; }
  const r = await busy('reading ONNX twin', () => call({ kind: 'twin', slot, name: file.name, file }));
  if (r?.kind !== 'twin') return;
  twinFiles[slot] = file;
  const t = r.view.report.totals;
  $(`twin-${slot}`).innerHTML = `${esc(r.view.name)}: <span class="twin-layers">${formatCount(t.layers)}</span> layers, ${formatCount(t.weightParams)} weights, ${formatPercent(t.sparsity)} zero`;
  $('twin-warnings').innerHTML = r.warnings.map(esc).join('<br>');
  $('twin-warnings').hidden = r.warnings.length === 0;
  $('val-result').innerHTML = $('bench-result').innerHTML = '';
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
  // The worker dropped the twin of the previous compressed checkpoint, and its results.
  if (r.summary.checkpointNote) { clearTwin('candidate'); $('val-result').innerHTML = $('bench-result').innerHTML = ''; }
  pruned = { summary: r.summary, model: r.model };
  $('prune-result').innerHTML = pruneView(r.summary);
  $('download-view').hidden = false;
}

const stemOf = (name: string): string => name.replace(/\.(onnx|pth?|safetensors)$/i, '');

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
  for (const slot of ['base', 'candidate'] as const) {
    $<HTMLInputElement>(`twin-${slot}-input`).addEventListener('change', (e) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) void openTwin(slot, f); });
  }
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
    for (const [slot, file] of Object.entries(twinFiles) as [TwinSlot, File][]) call({ kind: 'twin', slot, name: file.name, file }).catch(showError);
  });
  $('dl-model').addEventListener('click', () => { if (pruned) download(pruned.summary.name, pruned.model, 'application/octet-stream'); });
  $('dl-json').addEventListener('click', () => { if (pruned) download(`${stemOf(pruned.summary.name)}.json`, JSON.stringify(pruned.summary.json, null, 2), 'application/json'); });
  const report = async (kind: 'html' | 'json') => {
    const r = await busy('report', () => call({ kind: 'report' }));
    if (r?.kind !== 'report' || !pruned) return;
    const stem = stemOf(pruned.summary.name);
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
