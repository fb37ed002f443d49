/**
 * `npm run bench`: every benchmark under bench/, one after another (they must not share the 2 cores), each
 * writing its JSON to bench/results/. Run one alone with `npx tsx bench/<name>.ts`.
 * Needs ../shared/fixtures, `npm run build` (done by `npm ci`), hyperfine, and for bench/prune.ts Debian
 * python3-torch + python3-onnx. `npm run bench -- inspect prune` runs only the named ones.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ALL = ['inspect', 'onnx-roundtrip', 'prune', 'prune-phases', 'pt-read', 'eval-metrics', 'val-throughput', 'bench-overhead', 'structured', 'structured-tradeoff', 'calibration'];
const wanted = process.argv.slice(2);
const chosen = wanted.length > 0 ? ALL.filter((n) => wanted.includes(n)) : ALL;
let failed = 0;
for (const name of chosen) {
  console.log(`\n=== bench/${name}.ts ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`bench/${name}.ts exited with ${r.status ?? r.signal}`);
  }
}
console.log(`\n${chosen.length - failed} benchmark(s) ran, ${failed} failed; results in bench/results/`);
process.exitCode = failed > 0 ? 1 : 0;
