/**
 * `inspect` for PyTorch checkpoints and safetensors files: read (never executing the pickle), summarise, render.
 * The `inspect` command calls {@link inspectWeightsFile} for `.pt` / `.pth` / `.safetensors` paths.
 */
import path from 'node:path';
import { formatBytes, formatCount } from '../core/format.js';
import { isProvenanceKey } from '../core/provenance.js';
import { provenanceLine } from './inspect-text.js';
import { inspectCheckpoint, type CheckpointSummary } from '../graph/checkpoint-summary.js';
import type { SafetensorsSummary } from '../io/safetensors/summary.js';
import { readWeightsFile } from '../files/read-whole.js';

/** File extensions handled here. */
export const WEIGHTS_EXTENSIONS = ['.pt', '.pth', '.safetensors'] as const;

export function isWeightsFile(file: string): boolean {
  return (WEIGHTS_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());
}

const fmtInt = formatCount;
const fmtBytes = formatBytes;

function dtypes(byDType: Partial<Record<string, number>>): string {
  return Object.entries(byDType).map(([d, n]) => `${d} ${fmtInt(n ?? 0)}`).join(', ');
}

/** Text lines for a checkpoint summary. `top` limits the per-class table. */
export function renderCheckpointSummary(s: CheckpointSummary, top = 25): string[] {
  const out: string[] = [];
  out.push(`${s.file}: PyTorch checkpoint (zip, archive '${s.archiveName}'${s.formatVersion ? `, format v${s.formatVersion}` : ''}), ${fmtBytes(s.bytes)}`);
  if (s.globals.suspicious.length > 0) {
    out.push(`WARNING: the pickle names ${s.globals.suspicious.length} suspicious global(s); torch.load would execute them (prunekit never does):`);
    for (const g of s.globals.suspicious) out.push(`  ${g.name}  (${g.reason})`);
  }
  out.push('keys:');
  for (const k of s.keys) out.push(`  ${k.key}: ${k.type}`);
  const u = s.ultralytics;
  const meta = [
    u.version !== undefined ? `version ${u.version}` : '', u.date !== undefined ? `date ${u.date}` : '',
    u.epoch !== undefined ? `epoch ${u.epoch}` : '', u.bestFitness !== undefined ? `best_fitness ${u.bestFitness}` : '',
  ].filter(Boolean);
  if (meta.length) out.push(`ultralytics: ${meta.join(', ')}`);
  if (u.names) {
    const names = Object.entries(u.names);
    out.push(`names (${names.length}): ${names.slice(0, 20).map(([i, n]) => `${i}:${n}`).join(' ')}${names.length > 20 ? ' …' : ''}`);
  }
  if (u.trainArgs && typeof u.trainArgs === 'object' && !Array.isArray(u.trainArgs)) {
    const args = Object.entries(u.trainArgs);
    const pick = ['task', 'model', 'data', 'epochs', 'imgsz', 'batch', 'optimizer', 'lr0'];
    const shown = args.filter(([k]) => pick.includes(k)).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    out.push(`train args (${args.length}): ${shown.join(' ') || '(none of the usual keys)'}`);
  }
  out.push(`model: ${s.model.note}${s.model.rootClass ? ` — ${s.model.rootClass}` : ''}`);
  out.push(`modules: ${fmtInt(s.model.modules)}${s.model.hasClasses ? '' : ' (no module classes in this file: prune by name rules, or pass --arch)'}`);
  out.push(`parameters: ${fmtInt(s.parameters.total)}, buffers ${fmtInt(s.parameters.buffers)}; state_dict: ${s.parameters.stateDictTensors} tensors (${dtypes(s.parameters.byDType)})`);
  out.push(`storages: ${s.storages.count} (${fmtBytes(s.storages.bytes)}); pickle globals: ${s.globals.count}`);
  for (const p of s.provenance) out.push(`prunekit: ${provenanceLine(p.record)}`);
  if (s.model.hasClasses) {
    out.push('modules per class:');
    for (const c of s.model.perClass.slice(0, top)) out.push(`  ${String(c.count).padStart(5)}  ${c.qualifiedClass}${c.params ? `  (${fmtInt(c.params)} params)` : ''}`);
    if (s.model.perClass.length > top) out.push(`  … ${s.model.perClass.length - top} more classes`);
  }
  return out;
}

export function renderSafetensorsSummary(s: SafetensorsSummary): string[] {
  const out = [`${s.file}: safetensors, ${fmtBytes(s.bytes)}, ${s.tensors} tensors, ${fmtInt(s.parameters.total)} values (${dtypes(s.parameters.byDType)})`];
  if (s.metadata) for (const [k, v] of Object.entries(s.metadata)) if (!isProvenanceKey(k)) out.push(`  metadata ${k}: ${v.length > 100 ? v.slice(0, 97) + '...' : v}`);
  for (const p of s.provenance) out.push(`  prunekit: ${provenanceLine(p.record)}`);
  out.push(`  ${s.note}`);
  for (const p of s.prefixes.slice(0, 40)) out.push(`  ${p.prefix}: ${p.tensors} tensors, ${fmtInt(p.params)} values`);
  if (s.prefixes.length > 40) out.push(`  … ${s.prefixes.length - 40} more`);
  return out;
}

export type WeightsSummary = CheckpointSummary | SafetensorsSummary;

/** Read and summarise a `.pt`/`.pth`/`.safetensors` file. */
export async function summarizeWeightsFile(file: string): Promise<WeightsSummary> {
  return summarizeWeightsBytes(await readWeightsFile(file), file);
}

/** Summarise the bytes of the `.pt`/`.pth`/`.safetensors` file `file` (the safetensors reader loads only for those). */
export async function summarizeWeightsBytes(bytes: Uint8Array, file: string): Promise<WeightsSummary> {
  const label = path.basename(file);
  if (path.extname(file).toLowerCase() !== '.safetensors') return inspectCheckpoint(bytes, label);
  return (await import('../io/safetensors/summary.js')).summarizeSafetensors(bytes, label);
}

/**
 * JSON-friendly form. A checkpoint's module tree becomes `moduleTree`: `source`, `note`, `hasClasses` and one row
 * per module — `path` ('' for the root), `class` (qualified, '' when unknown), `className`, `ownParams` and
 * `ownBuffers` (elements held by the module itself, not its children), in the checkpoint's order.
 */
export function summaryJson(s: WeightsSummary): unknown {
  if (s.format === 'safetensors') return s;
  const { tree, ...rest } = s;
  return {
    ...rest,
    moduleTree: {
      source: tree.source, note: tree.note, hasClasses: tree.hasClasses,
      modules: tree.modules.map((m) => ({ path: m.path, class: m.qualifiedClass, className: m.className, ownParams: m.ownParams, ownBuffers: m.ownBuffers })),
    },
  };
}

/** Lines to print for a weights file summary. */
export function renderWeightsSummary(s: WeightsSummary): string[] {
  return s.format === 'safetensors' ? renderSafetensorsSummary(s) : renderCheckpointSummary(s);
}

/**
 * What `prunekit inspect <file.pt|.safetensors>` prints: the summary lines, or JSON when `json` is set.
 */
export async function inspectWeightsFile(file: string, options: { json?: boolean } = {}): Promise<string> {
  const s = await summarizeWeightsFile(file);
  return options.json ? JSON.stringify(summaryJson(s), null, 2) : renderWeightsSummary(s).join('\n');
}

/** The module tree as text rows (`--layers` for a checkpoint): path, class, own params. */
export function renderModuleTree(s: CheckpointSummary): string[] {
  if (!s.tree.hasClasses) return ['(no module tree: the file holds a plain state_dict)'];
  return s.tree.modules.map((m) => `  ${(m.path || '<root>').padEnd(48)} ${m.qualifiedClass}${m.ownParams ? `  ${fmtInt(m.ownParams)}` : ''}`);
}

/**
 * The `inspect` command's view of a `.pt`/`.pth`/`.safetensors` file: `json` for `--json`, `text` for the terminal
 * (`layers` adds the full module tree). Shaped like the `Inspection` of src/cli/inspect.ts. `bytes`: the file's
 * bytes when the caller has read them already.
 */
export async function weightsInspection(file: string, bytes?: Uint8Array): Promise<{ json: unknown; text(options: { layers: boolean }): string[] }> {
  const s = bytes ? await summarizeWeightsBytes(bytes, file) : await summarizeWeightsFile(file);
  return {
    json: summaryJson(s),
    text: ({ layers }) => [...renderWeightsSummary(s), ...(layers && s.format !== 'safetensors' ? ['module tree:', ...renderModuleTree(s)] : [])],
  };
}
