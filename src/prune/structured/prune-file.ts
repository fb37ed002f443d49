/**
 * File-level structured pruning: load, take per-layer ratios from the preset/config (or one `ratio`), prune
 * channels, then refuse to write anything that does not pass the channel-consistency check and run in
 * onnxruntime with the original output shapes.
 */
import path from 'node:path';
import { FileError, UnsupportedOpError, errorMessage } from '../../core/errors.js';
import type { Tensor } from '../../core/dtype.js';
import { checkChannelConsistency } from '../../graph/deps/index.js';
import { indexGraph, listLayers, type ClassSource } from '../../graph/index.js';
import { checkOutputs } from '../../io/files/index.js';
import { refuseQuantized } from '../../graph/quantized.js';
import { loadOnnx, saveOnnx, serializeOnnx } from '../../io/onnx/index.js';
import type { ActivationProgress } from '../../runtime/index.js';
import { loadClassSource } from '../load-class-source.js';
import { planPrune } from '../prune.js';
import { resolvePreset } from '../prune-file.js';
import { verifyModel, type VerifyResult } from '../verify.js';
import { pruneCalibrated, type CalibrationInfo, type CalibrationSource } from './calibrate.js';
import { checkStructuredOptions, pruneChannels, type StructuredOptions, type StructuredResult } from './prune-channels.js';

export type { CalibrationInfo, CalibrationSource } from './calibrate.js';

export interface StructuredFileOptions extends Omit<StructuredOptions, 'ratioOf' | 'headPath' | 'calibration'> {
  /** Built-in preset whose per-category ratios apply to channels (ignored when `ratio` or `target` is set). */
  preset?: string;
  config?: string;
  arch?: string;
  /** Prune the detection head too. */
  pruneHead?: boolean;
  /** Compare outputs with the original (max |diff|, cosine) on `feeds` (default: a fixed-seed random input). */
  compare?: boolean;
  feeds?: Record<string, Tensor>;
  inputLabel?: string;
  dryRun?: boolean;
  force?: boolean;
  /** Calibration inputs: removed channels are reconstructed from kept ones where a plain conv reads them. */
  calibration?: CalibrationSource;
  /** Positions sampled per image and tensor for the statistics (default 512). */
  calibrationPositions?: number;
  /** onnxruntime intra-op threads for the calibration pass (default: onnxruntime's choice). */
  threads?: number;
  /** Progress of the calibration pass (images). */
  onProgress?: (p: ActivationProgress) => void;
}

export interface StructuredFileResult extends StructuredResult {
  files: { input: { path: string; bytes: number }; output: { path: string; bytes: number; modelBytes: number } | undefined };
  /** What set the ratios: `ratio 0.3`, `preset uniform`, `target 0.3 of macs`. */
  policy: string;
  verify: VerifyResult | undefined;
  calibration: CalibrationInfo | undefined;
  consistency: { ok: boolean; violations: string[] };
  seconds: { prune: number; verify: number; calibrate: number };
}

export async function pruneChannelsFile(input: string, output: string | undefined, options: StructuredFileOptions = {}): Promise<StructuredFileResult> {
  if (output !== undefined && path.resolve(output) === path.resolve(input)) {
    throw new FileError(`'${output}': the output would overwrite the input model; choose another -o path`, output);
  }
  if (!options.dryRun && output !== undefined) await checkOutputs([{ path: output }], { force: options.force });
  checkStructuredOptions(options);
  const model = await loadOnnx(input);
  refuseQuantized(model, 'prune', input);
  const inputBytes = model.source?.length ?? serializeOnnx(model).length;
  let ratioOf: StructuredOptions['ratioOf'];
  let policy: string;
  if (options.target !== undefined) policy = `target: remove ${options.target} of ${options.targetKind ?? 'params'}${options.scope === 'global' ? ', spread by importance (--scope global)' : ''}`;
  else if (options.ratio !== undefined) policy = `ratio ${options.ratio} of every prunable group`;
  else {
    const preset = await resolvePreset(options);
    const sources: ClassSource[] = options.arch ? [await loadClassSource(options.arch)] : [];
    const g = indexGraph(model);
    const plan = planPrune(model, listLayers(model, g), g, { preset, classSources: sources, pruneHead: options.pruneHead });
    const byId = new Map(plan.entries.map((e) => [e.layer.id, e.protected ? 0 : e.ratio]));
    ratioOf = (root) => byId.get(root.weight) ?? 0;
    policy = `preset ${plan.preset} (per-category ratios)`;
  }
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
    throw new UnsupportedOpError(`${input}: structured pruning produced an inconsistent graph (${consistency.violations[0]}); nothing was written — please report this model`, input);
  }
  let verify: VerifyResult | undefined;
  const bytes = serializeOnnx(result.model);
  if (changed) {
    try {
      verify = await verifyModel(bytes, { ...(options.compare ? { original: model.source ?? serializeOnnx(model) } : {}), feeds: options.feeds, inputLabel: options.inputLabel });
    } catch (e) {
      const why = errorMessage(e);
      throw new UnsupportedOpError(`${input}: the channel-pruned model failed the onnxruntime check (${why}); nothing was written — please report this model`, input, { cause: e });
    }
  }
  const t2 = performance.now();
  let out: StructuredFileResult['files']['output'];
  if (!options.dryRun && output !== undefined) {
    const saved = await saveOnnx(result.model, output, { force: options.force });
    out = { path: saved.path, bytes: saved.bytes + (saved.externalDataBytes ?? 0), modelBytes: saved.bytes };
  }
  return {
    ...result, policy, verify, consistency, calibration: calib?.info,
    files: { input: { path: input, bytes: inputBytes }, output: out },
    seconds: { prune: calib ? calib.info.seconds.prune : (t1 - t0) / 1000, verify: (t2 - t1) / 1000, calibrate: calib ? (t1 - t0) / 1000 - calib.info.seconds.prune : 0 },
  };
}
