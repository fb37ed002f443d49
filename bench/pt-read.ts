/**
 * Whole-process timings of PyTorch checkpoint work, with hyperfine: reading the 14 MB TokenC3 checkpoint (zip,
 * pickle, module tree, all tensors) and `.pt` → `.pt` pruning it, against a bare `node` start as the baseline.
 * The worker is bundled with esbuild first (one JS file) so TypeScript loading is not measured.
 * Targets: read ≤ 0.3 s, prune ≤ 1 s (whole process).
 *
 * Usage: npx tsx bench/pt-read.ts [CHECKPOINT.pt] [--runs N]   → bench/results/pt-read.json
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { saveResult } from './lib/results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 20;
const checkpoint = args.find((a, i) => !a.startsWith('--') && i !== runsAt + 1)
  ?? path.resolve(here, '..', '..', 'shared', 'fixtures', 'models', 'yolov13n-tokenc3-lsnet-random.pt');

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'prunekit-pt-read-'));
  // Inside node_modules/.cache so the bundle's external packages (yaml, …) resolve from the repo's node_modules.
  // Code splitting keeps the prune engine (and its onnx/yaml imports) out of the `read` process.
  const outdir = path.resolve(here, '..', 'node_modules', '.cache', 'prunekit-bench');
  await build({
    entryPoints: [path.join(here, 'pt-read-worker.ts')], bundle: true, splitting: true, packages: 'external', platform: 'node',
    format: 'esm', outdir, outExtension: { '.js': '.mjs' }, logLevel: 'error',
  });
  const worker = path.join(outdir, 'pt-read-worker.mjs');
  const pruned = path.join(tmp, 'pruned.pt');
  const json = path.join(tmp, 'hyperfine.json');
  const commands = {
    'node-baseline': 'node -e 0',
    read: `node ${worker} read ${checkpoint}`,
    prune: `node ${worker} prune ${checkpoint} ${pruned} tokenc3-lsnet`,
  };
  execFileSync('hyperfine', ['--warmup', '2', '--runs', String(runs), '--export-json', json, '-N',
    ...Object.entries(commands).flatMap(([name, cmd]) => ['-n', name, cmd])], { stdio: 'inherit' });
  const hf = JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ command: string; mean: number; median: number; stddev: number; min: number; user: number; system: number }> };
  // user + system CPU (means) are reported too: on a shared, loaded machine wall time mostly measures waiting.
  const byName = Object.fromEntries(hf.results.map((r) => [r.command, { medianS: r.median, meanS: r.mean, stddevS: r.stddev, minS: r.min, userS: r.user, systemS: r.system }]));
  const base = byName['node-baseline']!.medianS;
  const result = {
    checkpoint,
    bytes: readFileSync(checkpoint).length,
    runs,
    load: os.loadavg(),
    cpus: os.cpus().length,
    timings: byName,
    overNodeStartS: { read: byName.read!.medianS - base, prune: byName.prune!.medianS - base },
    cpuOverNodeStartS: {
      read: byName.read!.userS + byName.read!.systemS - byName['node-baseline']!.userS - byName['node-baseline']!.systemS,
      prune: byName.prune!.userS + byName.prune!.systemS - byName['node-baseline']!.userS - byName['node-baseline']!.systemS,
    },
    targets: { readS: 0.3, pruneS: 1 },
    meets: { read: byName.read!.medianS <= 0.3, prune: byName.prune!.medianS <= 1 },
  };
  saveResult('pt-read', result, { print: true });
}

await main();
