/**
 * Where the fixtures are (no vitest import, so the global setup can use it too): `PRUNEKIT_FIXTURES`, else
 * ../shared/fixtures beside the repository.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');
export const FIXTURES = process.env.PRUNEKIT_FIXTURES ?? path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');
export const HAVE_FIXTURES = existsSync(path.join(FIXTURES, 'models'));

/** The one message a test run prints when the fixtures are absent. */
export function fixturesMissingMessage(): string {
  return (
    `[prunekit tests] SKIPPING the fixture-based suites: ${FIXTURES} not found. ` +
    'Point the tests at the fixture folder with PRUNEKIT_FIXTURES=/path/to/fixtures (CI always has it).'
  );
}
