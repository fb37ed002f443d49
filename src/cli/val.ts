/**
 * `prunekit val MODEL --data data.yaml|instances.json`: accuracy of an ONNX detector on a dataset, with the
 * numbers Ultralytics' validator prints (or pycocotools' with `--metric coco`), per-stage speed, JSON and
 * COCO-format predictions on request.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { formatNumber, MISSING } from '../core/format.js';
import { formatCocoStats } from '../eval/coco/summarize.js';
import { OUTPUT_LAYOUTS, type OutputLayout } from '../eval/decode/layouts.js';
import { validate, type MetricMode, type ValidationResult } from '../eval/validate.js';
import type { CliContext, CommandModule } from './context.js';
import { parseCount, parseFractionFlag, parseImageSize, squareSide } from './flag-values.js';
import { progressBar } from './progress.js';
import { checkOutputs, target, writeJson } from './outputs.js';
import { threadsHelp } from './threads.js';

interface ValFlags {
  data?: string; images?: string; split?: string; imgsz?: string; conf?: string; iou?: string; maxDet?: string;
  metric?: string; perClass?: boolean; savePredictions?: string; json?: string; threads?: string; layout?: string;
  agnostic?: boolean; force?: boolean;
}


/** printf `%.3g`, as Ultralytics' table uses. */
export function g3(v: number): string {
  if (v === 0) return '0';
  const s = v.toPrecision(3);
  return s.includes('e') ? s : s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function row(name: string, images: number, instances: number, values: readonly number[]): string {
  return name.padStart(22) + String(images).padStart(11) + String(instances).padStart(11) + values.map((v) => g3(v).padStart(11)).join('');
}

/** The text report: Ultralytics-style table (or COCO stats), speeds, skipped images. */
export function formatValidation(r: ValidationResult, perClass: boolean): string[] {
  const lines: string[] = [];
  if (r.precision) lines.push(`${path.basename(r.model)}: ${r.precision}, imgsz ${r.imgsz}`);
  if (r.metrics) {
    const m = r.metrics;
    lines.push('Class'.padStart(22) + ['Images', 'Instances', 'Box(P', 'R', 'mAP50', 'mAP50-95)'].map((h) => h.padStart(11)).join(''));
    lines.push(row('all', r.images, r.instances, [m.precision, m.recall, m.map50, m.map5095]));
    if (perClass) for (const c of m.perClass) lines.push(row(c.name, c.images, c.instances, [c.precision, c.recall, c.map50, c.map5095]));
  } else if (r.coco) {
    const s = r.coco.stats;
    lines.push(`COCO bbox metrics (pycocotools semantics), ${r.images} images, ${r.instances} instances`);
    lines.push(...formatCocoStats(s));
    if (perClass) {
      const fmt = (v: number): string => (v < 0 ? MISSING : formatNumber(v, 3)).padStart(8);
      lines.push(`${'category'.padStart(22)}${'id'.padStart(6)}${'gt'.padStart(7)}${'AP'.padStart(8)}${'AP50'.padStart(8)}${'AP75'.padStart(8)}`);
      for (const c of r.coco.perCategory) lines.push(`${c.name.padStart(22)}${String(c.categoryId).padStart(6)}${String(c.nGt).padStart(7)}${fmt(c.AP)}${fmt(c.AP50)}${fmt(c.AP75)}`);
    }
  }
  const sp = r.speed;
  lines.push(`Speed: ${formatNumber(sp.preprocessMs, 1)}ms preprocess, ${formatNumber(sp.inferenceMs, 1)}ms inference, ${formatNumber(sp.postprocessMs, 1)}ms postprocess per image (${formatNumber(r.images / (r.wallMs / 1000), 1)} images/s end to end)`);
  if (r.skipped.length > 0) {
    lines.push(`Skipped ${r.skipped.length} image(s):`);
    for (const s of r.skipped.slice(0, 20)) lines.push(`  ${s.path}: ${s.reason}`);
    if (r.skipped.length > 20) lines.push(`  … and ${r.skipped.length - 20} more (all listed in --json)`);
  }
  return lines;
}

/** The `--json` document: Ultralytics' keys first, then ours. */
export function validationJson(r: ValidationResult): Record<string, unknown> {
  const m = r.metrics;
  const c = r.coco?.stats;
  return {
    'metrics/precision(B)': m ? m.precision : null,
    'metrics/recall(B)': m ? m.recall : null,
    'metrics/mAP50(B)': m ? m.map50 : (c?.AP50 ?? null),
    'metrics/mAP50-95(B)': m ? m.map5095 : (c?.AP ?? null),
    model: r.model, data: r.data, metric: r.metric, imgsz: r.imgsz, layout: r.layout,
    images: r.images, instances: r.instances,
    speed: { preprocess: r.speed.preprocessMs, inference: r.speed.inferenceMs, postprocess: r.speed.postprocessMs, wallMs: r.wallMs },
    ...(m ? { perClass: m.perClass, bestConfidence: m.bestConfidence } : {}),
    ...(r.coco ? { coco: r.coco.stats, perCategory: r.coco.perCategory } : {}),
    skipped: r.skipped, warnings: r.warnings,
  };
}

async function runVal(ctx: CliContext, model: string, f: ValFlags): Promise<void> {
  if (!f.data) throw new UsageError('val needs --data data.yaml|instances.json');
  const metric = (f.metric ?? 'ultralytics') as MetricMode;
  if (metric !== 'ultralytics' && metric !== 'coco') throw new UsageError(`--metric ${f.metric}: expected ultralytics or coco`);
  if (f.layout !== undefined && !OUTPUT_LAYOUTS.includes(f.layout as OutputLayout)) throw new UsageError(`--layout ${f.layout}: expected one of ${OUTPUT_LAYOUTS.join(', ')}`);
  const imgsz = squareSide('imgsz', parseImageSize('imgsz', f.imgsz), 'validation letterboxes to a square input (Ultralytics\' val, too, takes one integer imgsz)');
  if (imgsz !== undefined && imgsz < 32) throw new UsageError(`--imgsz ${f.imgsz}: expected at least 32`);
  const numbers = {
    imgsz,
    conf: parseFractionFlag('conf', f.conf, { maxExclusive: false }),
    iou: parseFractionFlag('iou', f.iou, { maxExclusive: false }),
    maxDet: parseCount('max-det', f.maxDet),
    threads: parseCount('threads', f.threads),
  };
  await checkOutputs([target('--save-predictions', f.savePredictions), target('--json', f.json)], { force: f.force, inputs: [model, f.data] });
  const bar = progressBar(ctx.io, 'val');
  let r: ValidationResult;
  try {
    r = await validate({
      model, data: f.data, images: f.images, split: f.split, metric, layout: f.layout as OutputLayout | undefined,
      ...numbers,
      agnostic: f.agnostic, allowClassMismatch: f.force,
      keepPredictions: f.savePredictions !== undefined,
      onProgress: bar.onProgress,
    });
  } finally {
    bar.stop();
  }
  for (const w of r.warnings) ctx.io.err(`warning: ${w}`);
  for (const line of formatValidation(r, f.perClass ?? false)) ctx.io.out(line);
  if (f.savePredictions) {
    await writeJson(f.savePredictions, r.predictions ?? [], { compact: true, force: f.force });
    ctx.io.out(`Predictions (COCO results, ${r.predictions?.length ?? 0} detections) written to ${f.savePredictions}`);
  }
  if (f.json) {
    await writeJson(f.json, validationJson(r), { force: f.force });
    ctx.io.out(`JSON written to ${f.json}`);
  }
}

export const valCommand: CommandModule = {
  name: 'val',
  register(program: Command, ctx: CliContext) {
    program
      .command('val')
      .description('validate an ONNX detector on a dataset: P, R, mAP50, mAP50-95 as Ultralytics (or pycocotools) computes them')
      .argument('<model>', 'ONNX model file')
      .option('--data <file>', 'Ultralytics data.yaml, or a COCO instances_*.json')
      .option('--images <dir>', 'image folder of a COCO json (default: guessed beside it)')
      .option('--split <name>', 'yaml split to validate on (default val)')
      .option('--imgsz <n>', 'input size: 640, or HEIGHTxWIDTH when both are equal (validation is square; default: the model input, else 640)')
      .option('--conf <x>', 'confidence threshold (default 0.001)')
      .option('--iou <x>', 'NMS IoU threshold (default 0.7)')
      .option('--max-det <n>', 'detections per image (default 300)')
      .option('--agnostic', 'class-agnostic NMS')
      .option('--metric <mode>', 'ultralytics (default) or coco (pycocotools semantics)')
      .option('--per-class', 'print the per-class table')
      .option('--save-predictions <file>', 'write detections as COCO results JSON (dataset category ids, xywh, score)')
      .option('--json <file>', 'write the metrics as JSON')
      .option('--force', 'overwrite existing --json / --save-predictions files; validate even when the model\'s classes differ from the dataset\'s')
      .option('--threads <n>', threadsHelp())
      .option('--layout <layout>', `output layout: ${OUTPUT_LAYOUTS.join('|')} (default: detected from the output shape)`)
      .action(async (model: string, flags: ValFlags) => runVal(ctx, model, flags));
  },
};
