/**
 * `prunekit demo [-o DIR]`: the whole story on the shipped demo (a tiny detector made by this project and 20
 * labelled procedural images, see demo/README.md) — no downloads, no ../shared. Inspect the model, prune it
 * module-aware (unstructured, 20% of prunable weights, yaml class source) and structurally (20% of channels,
 * calibrated on the demo's unlabelled images), quantize the structured model to INT8, validate and benchmark each
 * against the original, and write the HTML/Markdown/JSON reports.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileError, formatBytes, formatCompact, formatCount, formatFraction, formatRelative } from '../core/index.js';
import type { StructuredFileResult } from '../files/structured-prune-file.js';
import { parseMaxDrop, type ComparisonReport } from '../report/index.js';
import { benchOptionsFromFlags } from './bench.js';
import { finishComparison, reportTargets, runCompare } from './compare.js';
import type { CliContext, CommandModule } from './context.js';
import { inspectFile } from './inspect.js';
import { ExitCode } from './io.js';
import { parseCount } from './flag-values.js';
import { calibrationSetup } from './prune-calibration.js';
import { checkOutputs, target } from './outputs.js';
import { pipelineQuantize } from './run-quantize.js';
import { stageLines, stageNotes, stageRows } from './run-stages.js';
import { pipelineTargets, runPipeline } from './run.js';
import { defaultThreads, threadsHelp } from './threads.js';

/** The demo assets shipped with the package (`demo/` at the package root). */
export function demoAssets(): { model: string; arch: string; data: string } {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'demo');
  const assets = { model: path.join(root, 'tiny-detector.onnx'), arch: path.join(root, 'tiny-detector.yaml'), data: path.join(root, 'data', 'data.yaml') };
  for (const f of Object.values(assets)) if (!existsSync(f)) throw new FileError(`demo asset '${f}' is missing; reinstall prunekit or restore demo/ from the repository`, f);
  return assets;
}

export interface DemoOptions {
  out: string;
  /** Benchmark rounds per model (interleaved). */
  runs: number;
  threads: number;
  /** Replace the files of an earlier demo run in `out`. */
  force?: boolean;
}

/** The demo's files: the run pipeline's in `unstructured/`, two models and the reports in `structured/`, the INT8 model and its reports in `int8/`. */
function demoPaths(out: string) {
  const structured = path.join(out, 'structured'), int8 = path.join(out, 'int8');
  const reports = (dir: string) => ({ report: path.join(dir, 'report.html'), md: path.join(dir, 'report.md'), json: path.join(dir, 'report.json') });
  return {
    unstructured: path.join(out, 'unstructured'), structured, int8,
    pruned: path.join(structured, 'tiny-detector.channels20.onnx'), blind: path.join(structured, 'tiny-detector.channels20-nocalib.onnx'),
    quantized: path.join(int8, 'tiny-detector.channels20.int8.onnx'),
    reports: reports(structured), int8Reports: reports(int8),
  };
}

/** Params, MACs and file size before → after of a structured prune, formatted like the other steps. */
function structuredSummary(s: StructuredFileResult): string[] {
  const { params: p, macs: m } = s.report;
  const out = s.files.output?.bytes ?? s.files.input.bytes;
  return [
    `params ${formatCount(p.before)} → ${formatCount(p.after)} (${formatRelative(p.before, p.after)}), MACs ${formatCompact(m.before)} → ${formatCompact(m.after)} (${formatRelative(m.before, m.after)})`,
    `file ${formatBytes(s.files.input.bytes)} → ${formatBytes(out)} (${formatRelative(s.files.input.bytes, out)})`,
  ];
}

/** Run the demo; resolves to 1 when an accuracy budget was broken, 0 when all held. */
export async function runDemo(ctx: CliContext, options: DemoOptions): Promise<number> {
  const a = demoAssets();
  const p = demoPaths(options.out);
  const force = options.force ?? false;
  await checkOutputs([
    target('-o', options.out, 'folder'), ...pipelineTargets(a.model, p.unstructured), target('-o', p.structured, 'folder'),
    target('model', p.pruned), target('model', p.blind), ...reportTargets(p.reports),
    target('-o', p.int8, 'folder'), target('model', p.quantized), ...reportTargets(p.int8Reports),
  ], { force });
  const bench = { threads: String(options.threads), warmup: '10', runs: String(options.runs) };
  let code = 0;
  const keepGoing = async (step: () => Promise<void>) => {
    try {
      await step();
    } catch (e) {
      if (!(e instanceof ExitCode)) throw e;
      code = Math.max(code, e.code);
    }
  };
  ctx.io.out(`prunekit demo — outputs in ${options.out}\n`);
  ctx.io.out('== 1. inspect the model ==');
  for (const line of (await inspectFile(a.model)).text({ layers: false })) ctx.io.out(line);

  ctx.io.out('\n== 2. unstructured, module-aware: 20% of prunable weights (preset yolov8, classes from the yaml) ==');
  const { unstructured, structured, pruned: prunedPath, blind: blindPath } = p;
  await keepGoing(() => runPipeline(ctx, {
    model: a.model, data: a.data, arch: a.arch, preset: 'yolov8', target: '0.20', out: unstructured, force,
    maxDrop: 'map50=5%', bench,
  }));

  ctx.io.out('\n== 3. structured: remove 20% of the channels of every prunable group (head protected), calibrated ==');
  const { pruneChannelsFile } = await import('../files/structured-prune-file.js');
  const { validate } = await import('../eval/index.js');
  // Label-free calibration on the demo's own 20 images (the same ones validated below: an in-sample, optimistic setup).
  const calib = await calibrationSetup(ctx, a.model, { calib: a.data, calibImages: '20' });
  ctx.io.out(`[1/3] prune ${a.model} (20% of channels, calibrated on ${a.data}) → ${prunedPath}`);
  const s = await pruneChannelsFile(a.model, prunedPath, { ratio: 0.2, arch: a.arch, force, ...calib.options }).finally(calib.stop);
  await pruneChannelsFile(a.model, blindPath, { ratio: 0.2, arch: a.arch, force });
  for (const line of structuredSummary(s)) ctx.io.out(`      ${line}`);
  const rec = s.report.reconstruction;
  if (rec) ctx.io.out(`      reconstruction: ${formatCount(rec.consumers)} consumer convs refit from ${formatCount(rec.images)} unlabelled images (the demo images themselves: in-sample)`);
  ctx.io.out(`[2/3] validate base and pruned on ${a.data}, then [3/3] bench both`);
  const blindMap = (await validate({ model: blindPath, data: a.data, threads: options.threads })).metrics?.map50;
  if (blindMap !== undefined) ctx.io.out(`      the same cut without calibration (weight norms + bias compensation only, ${blindPath}): mAP50 ${formatFraction(blindMap)}`);
  let structuredReport: ComparisonReport | undefined;
  await keepGoing(async () => {
    const outcome = await runCompare(ctx, {
      base: a.model, candidate: prunedPath, data: a.data, budget: parseMaxDrop('map50=5%'), bench: benchOptionsFromFlags(bench),
      title: 'prunekit demo: 20% of channels removed (one-shot, calibrated on 20 unlabelled images, no fine-tuning)',
    });
    structuredReport = outcome.report;
    await finishComparison(ctx, outcome, { ...p.reports, force });
  });

  ctx.io.out('\n== 4. INT8: the structured model quantized (static QDQ, calibrated on the same 20 images, placement measured here) ==');
  const q = await pipelineQuantize(ctx, { calib: a.data, calibImages: '20', data: a.data, threads: options.threads, force }, prunedPath, p.quantized);
  for (const line of q.lines) ctx.io.out(line);
  await keepGoing(async () => {
    const outcome = await runCompare(ctx, {
      base: a.model, candidate: p.quantized, data: a.data, budget: parseMaxDrop('map50=5%'), bench: benchOptionsFromFlags(bench),
      title: `prunekit demo: 20% of channels removed, then ${q.label}`,
    });
    const rows = await stageRows([...(structuredReport ? [{ stage: 'structured', report: structuredReport }] : []), { stage: 'structured + INT8', report: outcome.report }]);
    ctx.io.out('stages against the original (speed = median latency ratio, interleaved, with its 95% interval):');
    for (const line of stageLines(rows)) ctx.io.out(`  ${line}`);
    outcome.report.notes.push(...stageNotes(rows));
    await finishComparison(ctx, outcome, { ...p.int8Reports, force });
  });

  ctx.io.out(`\nreports: ${path.join(unstructured, 'report.html')}, ${path.join(structured, 'report.html')} and ${path.join(p.int8, 'report.html')} (open in a browser; they work offline)`);
  if (code !== 0) ctx.io.out('note: an accuracy budget (mAP50 drop ≤ 5%) was broken above; that is what the reports are for.');
  return code;
}

export const demoCommand: CommandModule = {
  name: 'demo',
  register(program, ctx) {
    program
      .command('demo')
      .description('run the whole pipeline on the shipped tiny demo detector (no downloads)')
      .option('-o, --output <dir>', `output folder (default ${path.join('out', 'demo')})`)
      .option('--runs <n>', 'benchmark rounds per model (default 100)')
      .option('--threads <n>', threadsHelp())
      .option('--force', 'replace the files of an earlier demo run in the output folder')
      .action(async (flags: { output?: string; runs?: string; threads?: string; force?: boolean }) => {
        // The demo shows the budget check but is not itself a check: it exits 0 when every step ran.
        await runDemo(ctx, {
          out: flags.output ?? path.join('out', 'demo'), runs: parseCount('runs', flags.runs) ?? 100, threads: parseCount('threads', flags.threads) ?? defaultThreads(), force: flags.force,
        });
      });
  },
};
