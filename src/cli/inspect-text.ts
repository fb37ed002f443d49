/** Plain-text rendering of an {@link InspectReport} for `prunekit inspect`. */
import path from 'node:path';
import { formatBytes, formatCompact, formatCount, formatNumber, formatPercent } from '../core/format.js';
import type { InspectReport } from '../graph/index.js';

const int = formatCount;
const humanBytes = formatBytes;
const humanCount = formatCompact;

const shape = (s: readonly (number | string)[]) => `[${s.join(',')}]`;

function classesLine(names: Record<string, string>): string {
  const list = Object.entries(names).map(([k, v]) => `${k}:${v}`);
  const shown = list.slice(0, 8).join(', ');
  return list.length > 8 ? `${shown}, … (${list.length - 8} more)` : shown;
}

/** The summary lines (and the per-layer table when `layers` is set). */
export function formatInspectText(r: InspectReport, options: { layers?: boolean } = {}): string[] {
  const t = r.totals;
  const md = r.metadata;
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`${k.padEnd(10)} ${v}`);
  const gz = r.file.gzipBytes !== null ? `, gzip ${humanBytes(r.file.gzipBytes)}` : ', gzip not computed (--gzip)';
  row('model', `${r.file.path ? path.basename(r.file.path) : '(bytes)'} (${humanBytes(r.file.bytes)}${gz})`);
  row('precision', r.precision.label);
  const opsets = r.opsets.map((o) => `${o.domain} ${o.version}`).join(', ');
  row('format', `ONNX IR ${r.irVersion}, opset ${opsets}, producer ${[r.producer.name, r.producer.version].filter(Boolean).join(' ') || '-'}`);
  for (const i of r.inputs) row('input', `${i.name} ${i.dtype ?? '?'} ${shape(i.shape)}`);
  for (const o of r.outputs) row('output', `${o.name} ${o.dtype ?? '?'} ${shape(o.shape)}`);
  const mdParts = [
    md.task && `task ${md.task}`, md.version && `version ${md.version}`, md.stride !== null && `stride ${md.stride}`,
    md.imgsz && `imgsz ${md.imgsz[0]}x${md.imgsz[1]}`, md.batch !== null && `batch ${md.batch}`,
  ].filter(Boolean);
  row('metadata', mdParts.length ? mdParts.join(', ') : Object.keys(md.raw).length ? `${Object.keys(md.raw).length} entries (not Ultralytics)` : 'none');
  if (md.names) row('classes', `${md.nc} — ${classesLine(md.names)}`);
  for (const p of r.provenance) row('prunekit', provenanceLine(p.record));
  for (const [k, why] of Object.entries(md.problems)) row('warning', `metadata '${k}' not parsed: ${why}`);
  const byOp = Object.entries(t.layersByOp).map(([op, n]) => `${op} ${n}`).join(', ');
  row('layers', `${t.layers}${byOp ? ` (${byOp})` : ''} of ${int(t.nodes)} nodes`);
  row('weights', `${int(t.weightParams)} params, ${int(t.nonZeroWeights)} non-zero, ${int(t.zeroWeights)} zero (${formatPercent(t.sparsity, 2)} sparse), ${humanBytes(t.weightBytes)}`);
  row('all params', `${int(t.floatParams)} float (incl. biases, BN, other learned tensors), ${humanBytes(t.initializerBytes)} of initializers`);
  const at = r.shapeInputs.map((i) => `${i.name} ${shape(i.dims)}`).join(', ');
  row('MACs', t.macs !== null ? `${humanCount(t.macs)} (${int(t.macs)}) at ${at}` : `unknown for ${t.layersWithoutMacs} layer(s); shapes could not be derived${r.shapeProblems[0] ? ` (first: ${r.shapeProblems[0].opType} '${r.shapeProblems[0].node}': ${r.shapeProblems[0].reason})` : ''}`);
  if (options.layers) lines.push('', ...layerTable(r));
  return lines;
}

function layerTable(r: InspectReport): string[] {
  const head = ['#', 'module', 'op', 'weight shape', 'groups', 'params', 'non-zero', 'MACs'];
  const rows = r.layers.map((l, i) => [
    String(i), l.modulePath || `(${l.id})`, l.depthwise ? `${l.opType} dw` : l.opType, shape(l.dims), String(l.groups),
    int(l.params), int(l.nonZero), l.macs === null ? '?' : humanCount(l.macs),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((x) => x[c]!.length)));
  const right = new Set([0, 4, 5, 6, 7]);
  const fmt = (cells: string[]) => cells.map((x, c) => (right.has(c) ? x.padStart(widths[c]!) : x.padEnd(widths[c]!))).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

function value(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? int(v) : formatNumber(v, 4);
  const ba = v as { before?: unknown; after?: unknown } | null;
  if (ba && typeof ba.before === 'number' && typeof ba.after === 'number') return `${int(ba.before)} → ${int(ba.after)}`;
  return JSON.stringify(v);
}

/** One provenance record as a line: `prune unstructured (preset yolov8, target 0.1) by prunekit 0.1.0; zeroed 12,345`. */
export function provenanceLine(record: unknown): string {
  if (typeof record !== 'object' || record === null) return String(record);
  const { tool: _tool, version, command, mode, result, ...settings } = record as Record<string, unknown>;
  const set = Object.entries(settings).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
  const res = result && typeof result === 'object'
    ? Object.entries(result as Record<string, unknown>).map(([k, v]) => `${k} ${value(v)}`).join(', ')
    : '';
  return `${[command, mode].filter(Boolean).join(' ')}${set ? ` (${set})` : ''} by prunekit ${String(version)}${res ? `; ${res}` : ''}`;
}
