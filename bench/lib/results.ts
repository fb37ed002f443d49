/** Where benchmark scripts put their numbers: bench/results/<name>.json (pretty JSON), path printed. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Write `value` to bench/results/`name`.json; with `print`, also echo it to stdout. Returns the path. */
export function saveResult(name: string, value: unknown, options: { print?: boolean } = {}): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.json`);
  const text = JSON.stringify(value, null, 2) + '\n';
  writeFileSync(file, text);
  if (options.print) console.log(text.trimEnd());
  console.log(`wrote ${file}`);
  return file;
}
