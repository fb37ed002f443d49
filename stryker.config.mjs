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
  timeoutMS: 20_000,
  timeoutFactor: 2,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  incremental: false,
};
