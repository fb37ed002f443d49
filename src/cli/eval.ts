/**
 * `prunekit eval --annotations instances.json --predictions results.json [--json FILE] [--per-class]`:
 * pycocotools COCOeval (bbox) of any detector's saved COCO results — the metric alone, no model.
 */
import { readFile } from 'node:fs/promises';
import { DatasetError, FileError, UsageError } from '../core/errors.js';
import { formatNumber, MISSING } from '../core/format.js';
import {
  cocoEvaluate, formatCocoStats, parseCocoDataset, parseCocoResultColumns, type CocoEvaluation,
} from '../eval/coco/index.js';
import type { CliContext, CommandModule } from './context.js';
import { checkOutputs, target, writeJson } from './outputs.js';

interface EvalFlags {
  annotations?: string;
  predictions?: string;
  json?: string;
  perClass?: boolean;
  maxDets?: string;
  force?: boolean;
}

/** Read and JSON.parse a file; FileError when unreadable, DatasetError when not JSON. */
async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new FileError(`${what} ${file}: cannot read (${why}); check the path`, file, { cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DatasetError(`${what} ${file}: not valid JSON (${(e as Error).message})`, file, { cause: e });
  }
}

function parseMaxDets(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.length !== 3 || !v.every((n) => Number.isInteger(n) && n > 0)) {
    throw new UsageError(`--max-dets ${text}: expected three positive integers like 1,10,100`);
  }
  return v;
}

/** The JSON written by `--json`: the 12 stats by pycocotools name, then per category. */
export function evalJson(r: CocoEvaluation, annotations: string, predictions: string): Record<string, unknown> {
  return {
    ...r.stats,
    perCategory: r.perCategory,
    images: r.images,
    detections: r.detections,
    unknownCategoryResults: r.unknownCategoryResults,
    maxDets: r.params.maxDets,
    annotations,
    predictions,
  };
}

function perClassTable(r: CocoEvaluation): string[] {
  const fmt = (v: number): string => (v < 0 ? MISSING : formatNumber(v, 3)).padStart(7);
  const w = Math.max(8, ...r.perCategory.map((c) => c.name.length));
  const lines = [`${'category'.padEnd(w)}  ${'id'.padStart(4)}  ${'gt'.padStart(5)}  ${'AP'.padStart(7)}  ${'AP50'.padStart(7)}  ${'AP75'.padStart(7)}  ${'AR'.padStart(7)}`];
  for (const c of r.perCategory) {
    lines.push(`${c.name.padEnd(w)}  ${String(c.categoryId).padStart(4)}  ${String(c.nGt).padStart(5)}  ${fmt(c.AP)}  ${fmt(c.AP50)}  ${fmt(c.AP75)}  ${fmt(c.AR)}`);
  }
  return lines;
}

async function runEval(ctx: CliContext, f: EvalFlags): Promise<void> {
  if (!f.annotations) throw new UsageError('eval needs --annotations instances.json (the COCO ground truth)');
  if (!f.predictions) throw new UsageError('eval needs --predictions results.json (COCO results: image_id, category_id, bbox, score)');
  const maxDets = parseMaxDets(f.maxDets);
  await checkOutputs([target('--json', f.json)], { force: f.force, inputs: [f.annotations, f.predictions] });
  const dataset = parseCocoDataset(await readJsonFile(f.annotations, 'annotations'), f.annotations);
  // Columns, not objects: the parsed json becomes garbage at once and millions of boxes stay cheap.
  const results = parseCocoResultColumns(await readJsonFile(f.predictions, 'predictions'), f.predictions);
  const r = cocoEvaluate({ dataset, results, ...(maxDets ? { maxDets } : {}) });
  if (r.unknownCategoryResults > 0) {
    ctx.io.err(`warning: ${r.unknownCategoryResults} predictions have a category_id that is not in ${f.annotations}; ignored (as pycocotools does)`);
  }
  if (results.score.length === 0) ctx.io.err(`warning: ${f.predictions} holds no detections; every AP and AR is 0`);
  ctx.io.out(formatCocoStats(r.stats, r.params.maxDets).join('\n'));
  if (f.perClass) ctx.io.out(perClassTable(r).join('\n'));
  if (f.json) {
    await writeJson(f.json, evalJson(r, f.annotations, f.predictions), { force: f.force });
    ctx.io.err(`wrote ${f.json}`);
  }
}

export const evalCommand: CommandModule = {
  name: 'eval',
  register(program, ctx) {
    program
      .command('eval')
      .description('COCO bbox metrics (pycocotools COCOeval semantics) of saved detections: the 12 AP/AR stats')
      .option('--annotations <file>', 'COCO instances json (ground truth)')
      .option('--predictions <file>', 'COCO results json: [{image_id, category_id, bbox: [x,y,w,h], score}]')
      .option('--json <file>', 'write the stats (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl) and per-category values as JSON')
      .option('--force', 'overwrite an existing --json file')
      .option('--per-class', 'also print AP, AP50, AP75 and AR per category')
      .option('--max-dets <a,b,c>', 'detections kept per image for the AR1/AR10/AR100 stats (default 1,10,100)')
      .action(async (opts: EvalFlags) => runEval(ctx, opts));
  },
};
