/**
 * `prunekit bench MODEL [MODEL2 ...]`: side-by-side latency on onnxruntime CPU, interleaved rounds, with the
 * ratio of medians and its 95% bootstrap interval for every model against the first.
 */
import type { Command } from 'commander';
import { benchmarkModels, type BenchOptions, type BenchResult } from '../bench/index.js';
import { UsageError } from '../core/index.js';
import { formatBenchText } from '../report/index.js';
import type { GraphOptimization } from '../runtime/index.js';
import type { CliContext, CommandModule } from './context.js';
import { parseCount, parseImageSize, parseNumberFlag } from './flag-values.js';
import { progressBar } from './progress.js';
import { checkOutputs, target, writeJson } from './outputs.js';
import { threadsHelp } from './threads.js';

const GRAPH_OPTS: readonly GraphOptimization[] = ['all', 'basic', 'extended', 'disabled'];

/** Raw option values of the latency flags, as commander hands them over. */
export interface LatencyFlags {
  imgsz?: string; batch?: string; threads?: string; graphOpt?: string; warmup?: string; runs?: string;
  seconds?: string; seed?: string;
}


/** Turn the latency flags into {@link BenchOptions}; UsageError on bad values. */
export function benchOptionsFromFlags(f: LatencyFlags): BenchOptions {
  if (f.runs !== undefined && f.seconds !== undefined) throw new UsageError('give either --runs or --seconds, not both');
  const graphOpt = f.graphOpt ?? 'all';
  if (!GRAPH_OPTS.includes(graphOpt as GraphOptimization)) {
    throw new UsageError(`--graph-opt ${graphOpt}: expected one of ${GRAPH_OPTS.join(', ')}`);
  }
  return {
    imgsz: parseImageSize('imgsz', f.imgsz),
    batch: parseCount('batch', f.batch),
    threads: parseCount('threads', f.threads),
    graphOptimization: graphOpt as GraphOptimization,
    warmup: parseCount('warmup', f.warmup, 0),
    runs: parseCount('runs', f.runs),
    seconds: parseNumberFlag('seconds', f.seconds, { min: 0 }),
    seed: parseNumberFlag('seed', f.seed, { integer: true }),
  };
}

/** Attach the latency flags shared by bench, compare and run. */
export function addLatencyFlags(cmd: Command): Command {
  return cmd
    .option('--imgsz <size>', 'image size for dynamic input dims: 640 or HEIGHTxWIDTH (default 640)')
    .option('--batch <n>', 'batch size for a dynamic batch dim (default 1)')
    .option('--threads <n>', threadsHelp())
    .option('--graph-opt <level>', `graph optimisation: ${GRAPH_OPTS.join('|')} (default all)`)
    .option('--warmup <n>', 'warm-up rounds, discarded (default 20)')
    .option('--runs <n>', 'measured rounds (default 200)')
    .option('--seconds <s>', 'measure for S seconds instead of a number of rounds')
    .option('--seed <n>', 'seed of the round order, inputs and bootstrap (default 1)');
}


/** Run the benchmark with a progress bar on stderr. */
export async function runBenchWithProgress(ctx: CliContext, models: readonly string[], options: BenchOptions): Promise<BenchResult> {
  const bar = progressBar(ctx.io, 'bench');
  try {
    return await benchmarkModels(models.map((p) => ({ path: p })), { ...options, onProgress: bar.onProgress });
  } finally {
    bar.stop();
  }
}

export const benchCommand: CommandModule = {
  name: 'bench',
  register(program, ctx) {
    addLatencyFlags(
      program
        .command('bench')
        .description('latency of one or more ONNX models side by side (interleaved runs, ratio with 95% CI vs the first)')
        .argument('<models...>', 'ONNX files; the first is the baseline'),
    )
      .option('--json <file>', 'write the full result (with raw samples) as JSON')
      .option('--force', 'overwrite an existing --json file')
      .action(async (models: string[], flags: LatencyFlags & { json?: string; force?: boolean }) => {
        const options = benchOptionsFromFlags(flags);
        await checkOutputs([target('--json', flags.json)], { force: flags.force, inputs: models });
        const result = await runBenchWithProgress(ctx, models, options);
        ctx.io.out(formatBenchText(result));
        if (flags.json) {
          await writeJson(flags.json, result, { force: flags.force });
          ctx.io.out(`wrote ${flags.json}`);
        }
      });
  },
};
