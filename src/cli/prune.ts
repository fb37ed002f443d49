/**
 * `prunekit prune MODEL -o OUT`: module-aware unstructured pruning (see src/prune). Prints the plan, a category
 * table and totals; `--json` writes everything including per-layer rows; `--dry-run` writes no model.
 */
// Deep imports and the lazy ones below keep `prune model.onnx` from loading what it does not run (the YAML
// parser, the structured, checkpoint and calibrated paths, onnxruntime): module loading is a third of its time.
import { UsageError, isPrunekitError, errorMessage } from '../core/errors.js';
import type { Tensor } from '../core/dtype.js';
import { modelInputs } from '../io/onnx/index.js';
import { pruneFile, type PruneFileResult } from '../files/prune-file.js';
import type { PruneVerifyResult } from '../prune/verify.js';
import { Option } from 'commander';
import type { CliContext, CommandModule } from './context.js';
import { ExitCode } from './io.js';
import { progressBar } from './progress.js';
import { categoryTable, layerTable, planHeader, totalsText, verifyText } from './prune-text.js';
import type { StructuredFlags } from './prune-structured.js';
import { calibrationSetup, unstructuredReconstructionText } from './prune-calibration.js';
import { isCheckpointPath } from './model-kind.js';
import { checkOutputs, target, writeJson } from './outputs.js';
import { unstructuredOptions, type UnstructuredFlags } from './flags.js';
import { parseCount } from './flag-values.js';

interface PruneFlags extends UnstructuredFlags {
  output?: string; verify?: boolean; image?: string; json?: string; layers?: boolean; structured?: boolean; calib?: string;
  calibImages?: string; calibBlocks?: string; exactObs?: boolean; admm?: boolean; presetConfig?: string;
}

type Image8 = Awaited<ReturnType<typeof import('../eval/preprocess/index.js')['decodeImageRgb']>>;

/** Decode `--image` up front (before anything is written), so a bad image fails early. */
async function decodeImage(image: string): Promise<Image8> {
  const { decodeImageRgb } = await import('../eval/preprocess/index.js');
  try {
    return await decodeImageRgb(image);
  } catch (e) {
    throw new UsageError(`--image ${image}: ${errorMessage(e)}`, image);
  }
}

/** Letterboxed image feeds for the model's first input (square side from its shape, else 640). */
async function imageFeeds(result: PruneFileResult, img: Image8): Promise<Record<string, Tensor>> {
  const { letterbox } = await import('../eval/preprocess/index.js');
  const input = modelInputs(result.model.proto)[0];
  if (!input) throw new UsageError(`${result.files.input.path}: the model has no inputs to feed --image to`);
  const side = typeof input.shape[2] === 'number' && input.shape[2] > 0 ? input.shape[2] : 640;
  const { data } = letterbox(img, side);
  return { [input.name]: { dtype: 'float32', dims: [1, 3, side, side], data } };
}

async function runVerify(ctx: CliContext, result: PruneFileResult, flags: PruneFlags, img: Image8 | undefined): Promise<PruneVerifyResult | undefined> {
  if (flags.verify === false || flags.dryRun || !result.files.output) return undefined;
  const compare = flags.verify === true;
  const feeds = img ? await imageFeeds(result, img) : undefined;
  try {
    const { verifyModel } = await import('../prune/verify.js');
    const v = await verifyModel(result.files.output.path, {
      ...(compare ? { original: result.files.input.path } : {}),
      ...(feeds ? { feeds, inputLabel: `image ${flags.image} (letterboxed)` } : { inputLabel: 'a fixed-seed random input (uniform [0,1); pass --image for a real one)' }),
    });
    ctx.io.out(verifyText(v, compare));
    return v;
  } catch (e) {
    if (!isPrunekitError(e)) throw e;
    ctx.io.err(`error: verification failed: ${e.message}`);
    throw new ExitCode(1);
  }
}


/** JSON form: the result without the in-memory model, plan entries by layer id. */
function jsonOf(r: PruneFileResult, verify: PruneVerifyResult | undefined): unknown {
  const { model: _model, plan, ...rest } = r;
  const entries = plan.entries.map(({ layer, ...e }) => ({ id: layer.id, modulePath: layer.modulePath, ...e }));
  return { ...rest, plan: { ...plan, entries }, verify };
}

export const pruneCommand: CommandModule = {
  name: 'prune',
  register(program, ctx) {
    program
      .command('prune')
      .description('compress a model, head protected, a ratio per module class: zero the least important weights (unstructured, default) or remove whole channels (--structured)')
      .argument('<model>', 'model to prune: .onnx (all modes), .pt/.pth or .safetensors (unstructured, same format out); never modified')
      .option('-o, --output <file>', 'where to write the pruned model (required unless --dry-run)')
      .option('--preset <name>', 'built-in preset: tokenc3-lsnet, yolov13, yolo11, yolov8, uniform (default uniform); see `prunekit presets`')
      .option('--preset-config <file>', 'custom preset (YAML/JSON, see `prunekit presets --json`); overrides --preset')
      .addOption(new Option('--config <file>', 'old name of --preset-config').hideHelp())
      .option('--arch <file>', 'Ultralytics model yaml the model was built from (gives each layer its module class)')
      .option('--target <S>', 'how much to prune, 0.1 or 10%: unstructured: zeros over prunable weights (preset ratios scaled); --structured: fraction of params (or MACs, --target-kind) removed')
      .option('--criterion <c>', 'importance: l1 | l2 | l1l2 | lamp (default l1; they differ only with --scope global); with --calib: obs (default) | wanda, input-aware; --structured: l1 | l2')
      .option('--alpha <a>', 'α of l1l2 (default 0.7)')
      .option('--scope <s>', 'layer (ratio per layer, default) | global (one threshold over all prunable layers; with --structured: over channel groups, needs --target)')
      .option('--nm <N:M>', 'unstructured: N:M sparsity along the reduction axis (e.g. 2:4) instead of ratios')
      .option('--prune-head', 'prune the detection head too (protected by default)')
      .option('--structured', 'remove whole channels (smaller, faster dense model) instead of zeroing weights; ONNX only')
      .option('--channel-ratio <r>', 'structured: remove this fraction (0.2 or 20%) of every prunable channel group (overrides the preset)')
      .option('--target-kind <k>', 'structured: --target is a fraction of params (default) or macs removed')
      .option('--round-to <n>', 'structured: kept channel counts stay multiples of N (default 16; 1 = exact ratios)')
      .option('--keep-head-inputs', 'structured: also keep every channel entering the protected head (its weights stay untouched)')
      .option('--ignore <layers>', 'structured: comma-separated module paths or weight names whose output channels are kept')
      .option('--no-compensate', 'structured: do not fold removed channels\' constant outputs into the next layers\' biases')
      .option('--calib <data>', 'ONNX: dataset yaml (its train split) or image folder: unstructured/N:M: choose weights from the data and refit the kept ones (OBS reconstruction, layer by layer); structured: refit the convs after removed channels')
      .option('--calib-images <n>', 'calibration images, the first N in sorted order (default 32)')
      .option('--calib-augment <a>', 'calibration augmentations, comma-separated: flip (also feed each image mirrored left-right), scale (and at 3/4 scale); N images → N·(1 + k) inputs')
      .option('--calib-blocks <n>', 'unstructured --calib: calibration passes (blocks of layers refit from the network pruned so far; default 8)')
      .option('--exact-obs', 'unstructured --calib, --criterion obs: choose each layer\'s zeros by ExactOBS (greedy per-row removal with exact H⁻¹ downdates; same counts); slower')
      .option('--admm', '--calib: choose each layer\'s zeros by ADMM with a gradually growing mask (Boža 2024; same counts), then the exact refit (already the default in layer scope without --nm)')
      .option('--verify', 'ONNX: also compare outputs with the original (max |diff|, cosine) on --image or a random input')
      .option('--no-verify', 'ONNX: skip the onnxruntime check of the written model')
      .option('--image <file>', 'image for --verify (letterboxed to the model input)')
      .option('--dry-run', 'print the plan and counts; write nothing')
      .option('--layers', 'print the per-layer table too')
      .option('--json <file>', 'write the full result (plan, per-layer and per-category rows, totals) as JSON')
      .option('--force', 'overwrite existing output files (-o, --json)')
      .action(async (model: string, flags: PruneFlags) => {
        if (flags.presetConfig !== undefined && flags.config !== undefined) throw new UsageError('give --preset-config once (--config is its old name)');
        flags = { ...flags, config: flags.presetConfig ?? flags.config };
        await checkOutputs([flags.dryRun ? undefined : target('-o', flags.output), target('--json', flags.json)], {
          force: flags.force, inputs: [model, flags.image, flags.arch, flags.config, flags.calib],
        });
        if (isCheckpointPath(model)) {
          if (flags.calib !== undefined) throw new UsageError(`${model}: --calib runs the model in onnxruntime; prune the ONNX export`);
          return (await import('./prune-checkpoint.js')).runCheckpointPrune(ctx, model, flags);
        }
        if (flags.structured) return (await import('./prune-structured.js')).runStructured(ctx, model, flags as StructuredFlags);
        if (!flags.output && !flags.dryRun) throw new UsageError('missing -o/--output OUT (or pass --dry-run)');
        const options = unstructuredOptions(flags);
        const blocks = parseCount('calib-blocks', flags.calibBlocks);
        if (blocks !== undefined && !flags.calib) throw new UsageError('--calib-blocks needs --calib <data.yaml|image folder>');
        if (flags.exactObs && !flags.calib) throw new UsageError('--exact-obs needs --calib <data.yaml|image folder>');
        if (flags.exactObs && options.dataCriterion && options.dataCriterion !== 'obs') throw new UsageError(`--exact-obs works with --criterion obs, not ${options.dataCriterion}`);
        if (flags.admm && !flags.calib) throw new UsageError('--admm needs --calib <data.yaml|image folder>');
        if (flags.admm && flags.exactObs) throw new UsageError('give one of --admm and --exact-obs (both choose the mask)');
        if (options.dataCriterion && !flags.calib) throw new UsageError(`--criterion ${options.dataCriterion} scores weights from calibration data; add --calib <data.yaml|image folder>`);
        const img = flags.image && flags.verify !== false && !flags.dryRun ? await decodeImage(flags.image) : undefined;
        const cal = await calibrationSetup(ctx, model, flags);
        const bar = cal.options.calibration ? undefined : progressBar(ctx.io, 'prune');
        let result: PruneFileResult;
        try {
          result = await pruneFile(model, flags.output, {
            ...options, calibration: cal.options.calibration, reconstruction: { blocks, ...(flags.exactObs ? { selection: 'exactobs' as const } : flags.admm ? { selection: 'admm' as const } : {}) },
            dataCriterion: cal.options.calibration ? options.dataCriterion ?? 'obs' : undefined, onProgress: bar?.onProgress ?? cal.options.onProgress,
          });
        } finally {
          bar?.stop();
          cal.stop();
        }
        ctx.io.out(planHeader(result));
        ctx.io.out('');
        if (flags.layers || flags.dryRun) ctx.io.out(layerTable(result.layers) + '\n');
        ctx.io.out(categoryTable(result));
        ctx.io.out('');
        ctx.io.out(totalsText(result));
        const rec = unstructuredReconstructionText(result, cal.skipped);
        if (rec) ctx.io.out(rec);
        const v = await runVerify(ctx, result, flags, img);
        if (flags.json) {
          await writeJson(flags.json, jsonOf(result, v), { force: flags.force });
          ctx.io.out(`wrote ${flags.json}`);
        }
      });
  },
};
