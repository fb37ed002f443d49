// Mutation testing of prunekit's core (issue #16). `npm run mutation` runs every module below; see docs/mutation.md.
// MUTATE=<comma-separated globs> narrows the run (CI runs only the core files a change touched: tools/mutation.ts --changed).
import { existsSync } from 'node:fs';

const core = [
  'src/eval/metrics/**/*.ts',
  'src/eval/coco/**/*.ts',
  'src/eval/nms/**/*.ts',
  'src/prune/select.ts',
  'src/prune/nm.ts',
  'src/prune/allocate.ts',
  'src/prune/allocate-plan.ts',
  'src/prune/importance.ts',
  'src/prune/categorise.ts',
  'src/prune/head.ts',
  'src/graph/deps/**/*.ts',
  ...(existsSync('src/quantize') ? ['src/quantize/**/*.ts'] : []),
];
const excluded = ['!**/index.ts', '!**/types.ts'];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.stryker.json', // src only: the checker rejects mutants that do not type-check, faster than over tests too
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [...(process.env.MUTATE ? process.env.MUTATE.split(',') : core), ...excluded],
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  // A mutant times out at 1.5x its covering tests' dry-run time + 5 s: most timeouts are infinite loops (i++ -> i--),
  // and a 20 s margin made them cost most of a run's wall time.
  timeoutMS: 5_000,
  timeoutFactor: 1.5,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: process.env.MUTATION_REPORT ?? 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // tools/mutation.ts keeps one incremental file per module (git-ignored): a re-run re-tests only the mutants whose
  // code or covering tests changed.
  incremental: process.env.MUTATION_INCREMENTAL !== undefined,
  incrementalFile: process.env.MUTATION_INCREMENTAL ?? 'reports/mutation/incremental/all.json',
};
