/**
 * Structured pruning of an in-memory model, checked: take per-layer ratios from a preset (or one `ratio`, or a
 * `target`), prune channels (with calibration when given), then refuse a result that fails the
 * channel-consistency check or does not run in onnxruntime with the original output shapes. Shared by the file
 * edge (prune-file.ts: `prunekit prune --structured`) and the web page; neither reads nor writes files here.
 */
import { UnsupportedOpError, errorMessage } from '../../core/errors.js';
import type { Tensor } from '../../core/dtype.js';
import { checkChannelConsistency } from '../../graph/deps/index.js';
import type { ClassSource } from '../../graph/class-source.js';
import { listLayers } from '../../graph/inventory.js';
import { indexGraph } from '../../graph/onnx-graph.js';
import { serializeOnnx, type OnnxModel } from '../../io/onnx/model.js';
import { concatChunks, serializeWithMetadata } from '../../io/onnx/provenance.js';
import type { ActivationProgress } from '../../runtime/activations.js';
import type { Preset } from '../preset.js';
import { planPrune } from '../prune.js';
import { onnxProvenance, type ProvenanceEntry } from '../provenance.js';
import { verifyModel, type VerifyResult } from '../verify.js';
import { pruneCalibrated, type CalibrationInfo, type CalibrationSource } from './calibrate.js';
import { checkStructuredOptions, pruneChannels, type StructuredOptions, type StructuredResult } from './prune-channels.js';

export interface StructuredModelOptions extends Omit<StructuredOptions, 'ratioOf' | 'headPath' | 'calibration'> {
  /** Preset whose per-category ratios apply to channels (used when neither `ratio` nor `target` is set). */
  preset?: Preset;
  /** Class sources for the preset's categories. */
  classSources?: readonly ClassSource[];
  /** Prune the detection head too. */
  pruneHead?: boolean;
  /** Compare outputs with the original (max |diff|, cosine) on `feeds` (default: a fixed-seed random input). */
  compare?: boolean;
  feeds?: Record<string, Tensor>;
  inputLabel?: string;
  /** Calibration inputs: removed channels are reconstructed from kept ones where a plain conv reads them. */
  calibration?: CalibrationSource;
  /** Positions sampled per image and tensor for the statistics (default: every position, in onnxruntime). */
  calibrationPositions?: number;
  /** onnxruntime intra-op threads for the calibration pass (default: onnxruntime's choice). */
  threads?: number;
  /** Progress of the calibration pass (images). */
  onProgress?: (p: ActivationProgress) => void;
}

export interface StructuredModelResult extends StructuredResult {
  /** What set the ratios: `ratio 0.3`, `preset uniform`, `target 0.3 of macs`. */
  policy: string;
  verify: VerifyResult | undefined;
  calibration: CalibrationInfo | undefined;
  consistency: { ok: boolean; violations: string[] };
  seconds: { prune: number; verify: number; calibrate: number };
  /** The pruned model's file bytes with its provenance record (serialised once, also what was verified). */
  bytes: Uint8Array;
  /** The record in `bytes` (`metadata_props`); undefined when nothing changed. Writers of `model` add it. */
  provenance: ProvenanceEntry | undefined;
}

/** The policy line and the per-root ratio of the options. */
function policyOf(model: OnnxModel, options: StructuredModelOptions): { policy: string; ratioOf: StructuredOptions['ratioOf'] } {
  if (options.target !== undefined) return { policy: `target: remove ${options.target} of ${options.targetKind ?? 'params'}${options.scope === 'global' ? ', spread by importance (--scope global)' : ''}`, ratioOf: undefined };
  if (options.ratio !== undefined) return { policy: `ratio ${options.ratio} of every prunable group`, ratioOf: undefined };
  if (!options.preset) throw new TypeError('pruneChannelsModel: give a preset, a ratio or a target');
  const g = indexGraph(model);
  const plan = planPrune(model, listLayers(model, g), g, { preset: options.preset, classSources: options.classSources ?? [], pruneHead: options.pruneHead });
  const byId = new Map(plan.entries.map((e) => [e.layer.id, e.protected ? 0 : e.ratio]));
  return { policy: `preset ${plan.preset} (per-category ratios)`, ratioOf: (root) => byId.get(root.weight) ?? 0 };
}

/** Prune channels of `model` (named `label` in messages) and check the result; nothing is written. */
export async function pruneChannelsModel(model: OnnxModel, label: string, options: StructuredModelOptions): Promise<StructuredModelResult> {
  checkStructuredOptions(options);
  const { policy, ratioOf } = policyOf(model, options);
  const t0 = performance.now();
  const pruneOptions = { ...options, ratioOf, headPath: options.pruneHead ? null : undefined, calibration: undefined };
  const calib = options.calibration
    ? await pruneCalibrated(model, pruneOptions, options.calibration, { positions: options.calibrationPositions, threads: options.threads, onProgress: options.onProgress })
    : undefined;
  const result = calib?.result ?? pruneChannels(model, pruneOptions);
  const t1 = performance.now();
  const changed = result.model !== model;
  const consistency = changed ? checkChannelConsistency(result.model, options.shapes) : { ok: true, violations: [] };
  if (!consistency.ok) {
    throw new UnsupportedOpError(`${label}: structured pruning produced an inconsistent graph (${consistency.violations[0]}); nothing was written — please report this model`, label);
  }
  let verify: VerifyResult | undefined;
  const { params: p, macs: m, channels } = result.report;
  const provenance = changed ? onnxProvenance(model, {
    command: 'prune', mode: 'structured', policy, roundTo: options.roundTo, calibrated: calib?.info.images,
    result: { params: { before: p.before, after: p.after }, macs: { before: m.before, after: m.after }, channels },
  }) : undefined;
  const bytes = concatChunks(serializeWithMetadata(result.model, provenance ? [provenance] : []));
  if (changed) {
    try {
      verify = await verifyModel(bytes, { ...(options.compare ? { original: model.source ?? serializeOnnx(model) } : {}), feeds: options.feeds, inputLabel: options.inputLabel });
    } catch (e) {
      const why = errorMessage(e);
      throw new UnsupportedOpError(`${label}: the channel-pruned model failed the onnxruntime check (${why}); nothing was written — please report this model`, label, { cause: e });
    }
  }
  const t2 = performance.now();
  return {
    ...result, policy, verify, consistency, calibration: calib?.info, bytes, provenance,
    seconds: { prune: calib ? calib.info.seconds.prune : (t1 - t0) / 1000, verify: (t2 - t1) / 1000, calibrate: calib ? (t1 - t0) / 1000 - calib.info.seconds.prune : 0 },
  };
}
