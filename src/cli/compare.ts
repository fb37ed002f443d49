/**
 * `prunekit compare BASE.onnx CANDIDATE.onnx --data data.yaml [--max-drop ...] [--report r.html] [--md r.md]
 * [--json r.json]`: accuracy, latency and size of both models side by side. Exit 1 when the accuracy budget is
 * broken (after printing and writing the reports), 0 when it holds, 2 on usage errors.
 */
import {
  compareModels, parseMaxDrop, renderHtml, renderMarkdown, summaryLines, type CompareOptions, type CompareOutcome, type CompareProgress,
  type ComparisonReport,
} from '../report/index.js';
import { formatFraction } from '../core/format.js';
import { addLatencyFlags, benchOptionsFromFlags, type LatencyFlags } from './bench.js';
import { checkOutputs, target, writeJson, writeText, type OutputTarget } from './outputs.js';
import type { CliContext, CommandModule } from './context.js';
import { ExitCode } from './io.js';
import { progressBar } from './progress.js';

/** Report outputs a command may write; `force` replaces existing files. */
export interface ReportFiles { report?: string; md?: string; json?: string; force?: boolean }

/** The report files as entries for {@link checkOutputs}, named by their flags. */
export function reportTargets(files: ReportFiles): (OutputTarget | undefined)[] {
  return [target('--report', files.report), target('--md', files.md), target('--json', files.json)];
}

export interface CompareFlags extends LatencyFlags, ReportFiles {
  data?: string;
  maxDrop?: string;
  bench?: boolean;
}

/** Write the requested report files and say where they went. */
export async function writeReports(ctx: CliContext, report: ComparisonReport, files: ReportFiles): Promise<void> {
  const force = { force: files.force };
  if (files.report) await writeText(files.report, renderHtml(report), force);
  if (files.md) await writeText(files.md, renderMarkdown(report), force);
  if (files.json) await writeJson(files.json, report, force);
  for (const f of [files.report, files.md, files.json]) if (f) ctx.io.out(`wrote ${f}`);
}

/** One progress bar per stage of a comparison (validate base, validate candidate, bench). */
export function stagedProgress(ctx: CliContext): { onProgress: (p: CompareProgress) => void; stop(): void } {
  let stage = '';
  let bar: ReturnType<typeof progressBar> | undefined;
  return {
    onProgress(p) {
      if (p.stage !== stage) {
        bar?.stop();
        stage = p.stage;
        bar = progressBar(ctx.io, p.stage);
      }
      bar?.onProgress(p);
    },
    stop: () => bar?.stop(),
  };
}

/** Print the comparison summary, the budget checks and the notes. */
export function printComparison(ctx: CliContext, r: ComparisonReport): void {
  ctx.io.out(`${r.candidate.label} vs ${r.base.label}`);
  for (const l of summaryLines(r)) ctx.io.out(`  ${l.replace(/\*\*/g, '')}`);
  for (const c of r.budget?.checks ?? []) {
    ctx.io.out(`  budget ${c.rule.text}: drop ${formatFraction(c.drop)}, allowed ${formatFraction(c.allowedDrop)} → ${c.ok ? 'holds' : 'BROKEN'}`);
  }
  for (const n of r.notes) ctx.io.out(`  note: ${n}`);
}

/** Run a comparison with progress bars on stderr. */
export async function runCompare(ctx: CliContext, options: Omit<CompareOptions, 'onProgress'>): Promise<CompareOutcome> {
  const progress = stagedProgress(ctx);
  try {
    return await compareModels({ ...options, onProgress: progress.onProgress });
  } finally {
    progress.stop();
  }
}

/** Print, write the reports, and end with exit code 1 when the budget is broken. */
export async function finishComparison(ctx: CliContext, outcome: CompareOutcome, files: ReportFiles): Promise<void> {
  printComparison(ctx, outcome.report);
  await writeReports(ctx, outcome.report, files);
  const budget = outcome.report.budget;
  if (budget && !budget.ok) {
    const broken = budget.checks.filter((c) => !c.ok).map((c) => c.rule.text).join(', ');
    ctx.io.err(`accuracy budget broken: ${broken}${outcome.stoppedEarly ? ' (latency not measured: stopped after validation)' : ''}`);
    throw new ExitCode(1);
  }
}

export const compareCommand: CommandModule = {
  name: 'compare',
  register(program, ctx) {
    addLatencyFlags(
      program
        .command('compare')
        .description('accuracy, latency and size of a base and a candidate model, with an optional accuracy budget (exit 1 when broken)')
        .argument('<base>', 'the reference ONNX model')
        .argument('<candidate>', 'the compressed ONNX model')
        .option('--data <file>', 'dataset for accuracy: Ultralytics data.yaml (or COCO json)')
        .option('--max-drop <rules>', 'accuracy budget, e.g. map50=2%,map50-95=0.03 (relative with %, absolute as fraction or Npt)')
        .option('--report <file>', 'write the self-contained HTML report')
        .option('--md <file>', 'write the Markdown report')
        .option('--json <file>', 'write the report data as JSON')
        .option('--force', 'overwrite existing report files')
        .option('--no-bench', 'skip the latency measurement'),
    )
      .action(async (base: string, candidate: string, flags: CompareFlags) => {
        const budget = flags.maxDrop !== undefined ? parseMaxDrop(flags.maxDrop) : undefined;
        const bench = benchOptionsFromFlags(flags);
        await checkOutputs(reportTargets(flags), { force: flags.force, inputs: [base, candidate, flags.data] });
        const imgsz = bench.imgsz && bench.imgsz.height === bench.imgsz.width ? bench.imgsz.height : undefined;
        const outcome = await runCompare(ctx, {
          base, candidate, data: flags.data, budget,
          validation: imgsz !== undefined ? { imgsz } : {},
          bench: flags.bench === false ? false : bench,
        });
        await finishComparison(ctx, outcome, flags);
      });
  },
};
