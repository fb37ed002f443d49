/**
 * The tests StrykerJS runs (stryker.config.mjs): the unit tests of the mutated core modules only. The slow
 * fixture cross-checks (validate, CLI, structured pruning of real models) stay in `npm test`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // tools/mutation.ts passes the tests of the module it mutates (MUTATION_TESTS, comma-separated globs).
    include: process.env.MUTATION_TESTS?.split(',') ?? [
      'test/eval/metrics/**/*.test.ts',
      'test/eval/coco/**/*.test.ts',
      'test/eval/nms/**/*.test.ts',
      'test/prune/*.test.ts',
      'test/graph/deps/**/*.test.ts',
      'test/quantize/**/*.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
