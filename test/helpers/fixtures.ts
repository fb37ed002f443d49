/**
 * Access to ../shared/fixtures. Suites that need them use `describeFixtures`, which skips with a visible
 * message when the folder is absent (CI always has it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');
export const FIXTURES = process.env.PRUNEKIT_FIXTURES ?? path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');
export const HAVE_FIXTURES = existsSync(path.join(FIXTURES, 'models'));

/** Absolute path of a fixture file, e.g. `fixture('models', 'LeYOLONano-640.onnx')`. */
export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}

let warned = false;
/** `describe` that runs only when ../shared/fixtures exists, and says so loudly when it does not. */
export function describeFixtures(name: string, fn: () => void): void {
  if (!HAVE_FIXTURES && !warned) {
    warned = true;
    console.warn(`\n[prunekit tests] SKIPPING fixture-based suites: ${FIXTURES} not found (CI always has it).\n`);
  }
  if (HAVE_FIXTURES) {
    describe(name, fn);
    return;
  }
  // Do not even run the suite's body: it may read fixture files while collecting.
  describe.skipIf(!HAVE_FIXTURES)(`${name} [skipped: ../shared/fixtures absent]`, () => {
    it(`needs ${FIXTURES}`, () => undefined);
  });
}

/** A fresh temporary directory for a test's outputs (under the OS temp dir). */
export async function tempDir(prefix = 'prunekit-test-'): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises');
  const os = await import('node:os');
  return mkdtemp(path.join(os.tmpdir(), prefix));
}
