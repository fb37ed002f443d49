/**
 * Access to ../shared/fixtures (or `PRUNEKIT_FIXTURES`). Suites that need them use `describeFixtures`, which
 * skips them visibly when the folder is absent (CI always has it).
 */
import path from 'node:path';
import { describe, it } from 'vitest';
import { FIXTURES, HAVE_FIXTURES } from './fixtures-path.js';

export { FIXTURES, HAVE_FIXTURES, REPO_ROOT } from './fixtures-path.js';

/** Absolute path of a fixture file, e.g. `fixture('models', 'LeYOLONano-640.onnx')`. */
export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}

/**
 * `describe` that runs only when the fixture folder exists. When it does not, the suite shows up as skipped and
 * the run's global setup (test/helpers/global-setup.ts) prints, once, where the fixtures were looked for.
 */
export function describeFixtures(name: string, fn: () => void): void {
  if (HAVE_FIXTURES) {
    describe(name, fn);
    return;
  }
  // Do not even run the suite's body: it may read fixture files while collecting.
  describe.skipIf(!HAVE_FIXTURES)(`${name} [skipped: fixtures absent, set PRUNEKIT_FIXTURES]`, () => {
    it(`needs ${FIXTURES}`, () => undefined);
  });
}

/** A fresh temporary directory for a test's outputs (under the OS temp dir). */
export async function tempDir(prefix = 'prunekit-test-'): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises');
  const os = await import('node:os');
  return mkdtemp(path.join(os.tmpdir(), prefix));
}
