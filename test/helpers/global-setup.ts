/** Vitest global setup: runs once per `vitest run`, so a missing fixture folder is reported once, not per file. */
import { HAVE_FIXTURES, fixturesMissingMessage } from './fixtures-path.js';

export default function setup(): void {
  if (!HAVE_FIXTURES) console.warn(`\n${fixturesMissingMessage()}\n`);
}
