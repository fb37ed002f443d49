/**
 * `prunekit run … --int8`: prune → quantize the pruned model to INT8 → validate and bench each stage against the
 * original → the stage table, and reports: `report.*` for the original against the INT8 model (the pipeline's
 * output; the accuracy budget applies to it), `report.pruned.*` for the original against the pruned stage.
 */
import path from 'node:path';
import type { BenchOptions } from '../bench/index.js';
import type { BudgetRule } from '../report/index.js';
import { finishComparison, printComparison, runCompare, writeReports } from './compare.js';
import type { CliContext } from './context.js';
import { pipelinePrune } from './run-prune.js';
import { pipelineQuantize } from './run-quantize.js';
import { stageLines, stageNotes, stageRows } from './run-stages.js';
import { pipelineFiles, type PipelineSettings } from './run.js';

type Required<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> };

export async function runInt8Pipeline(
  ctx: CliContext, s: Required<PipelineSettings, 'model' | 'data' | 'out'>, budget: readonly BudgetRule[] | undefined, bench: BenchOptions,
): Promise<void> {
  const { pruned, int8, reports, prunedReports } = pipelineFiles(s.model, s.out);
  const mode = s.structured ? 'structured, ' : '';
  ctx.io.out(`[1/4] prune ${s.model} (${mode}${s.presetConfig ?? `preset ${s.preset}`}${s.target ? `, target ${s.target}` : ''}${s.calib ? `, calibrated on ${s.calib}` : ''}) → ${pruned}`);
  const p = await pipelinePrune(ctx, s, pruned);
  for (const line of p.lines) ctx.io.out(`      ${line}`);

  ctx.io.out(`[2/4] quantize the pruned model to INT8, calibrated on ${s.calib ?? s.data} → ${int8}`);
  const q = await pipelineQuantize(ctx, { calib: s.calib, calibImages: s.calibImages, data: s.data, threads: bench.threads, force: s.force }, pruned, int8);
  for (const line of q.lines) ctx.io.out(`      ${line}`);

  ctx.io.out(`[3/4] validate the original, the pruned and the INT8 model on ${s.data}, then [4/4] bench each stage against the original`);
  const imgsz = bench.imgsz && bench.imgsz.height === bench.imgsz.width ? bench.imgsz.height : undefined;
  const common = { base: s.model, data: s.data, budget, bench, validation: imgsz !== undefined ? { imgsz } : {} };
  const name = path.basename(s.model);
  const prunedStage = await runCompare(ctx, { ...common, candidate: pruned, categories: p.categories, title: `prunekit run: ${name}, stage 1: pruned ${s.structured ? '' : 'with '}${p.label}` });
  printComparison(ctx, prunedStage.report);
  await writeReports(ctx, prunedStage.report, { ...prunedReports, force: s.force });
  const outcome = await runCompare(ctx, { ...common, candidate: int8, stopOnBrokenBudget: true, title: `prunekit run: ${name} pruned ${s.structured ? '' : 'with '}${p.label}, then ${q.label}` });
  if (outcome.stoppedEarly) ctx.io.out(`stopped: the accuracy budget is broken, so the benchmark was skipped; the models are kept at ${pruned} and ${int8} for inspection`);
  const rows = await stageRows([{ stage: 'pruned', report: prunedStage.report }, { stage: 'pruned + INT8', report: outcome.report }]);
  ctx.io.out('stages (each benchmarked interleaved against the original; speed = median latency ratio with its 95% interval):');
  for (const line of stageLines(rows)) ctx.io.out(`  ${line}`);
  outcome.report.notes.push(...stageNotes(rows));
  await finishComparison(ctx, outcome, { ...reports, force: s.force });
}
