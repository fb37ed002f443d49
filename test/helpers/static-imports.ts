/**
 * The static (value) import closure of a source file, for tests that keep a CLI path from loading modules it does
 * not run. `import type` and `await import()` do not count.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './fixtures-path.js';

const SRC = path.join(REPO_ROOT, 'src');

/** Files under src/ (relative paths, .ts) statically imported, transitively, by `entry` (relative to src/); packages as bare names. */
export function staticImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [path.join(SRC, entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    const rel = path.relative(SRC, file);
    if (seen.has(rel)) continue;
    seen.add(rel);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+'([^']+)'/gm)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) {
        seen.add(spec);
        continue;
      }
      todo.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
    }
  }
  return seen;
}
