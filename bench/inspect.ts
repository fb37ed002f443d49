/**
 * Whole-process timing of `prunekit inspect` on the 28 MB TokenC3 model with hyperfine (warm-up, then runs),
 * against `node -e 0` and `prunekit --version` (CLI startup: every command module is imported) as baselines,
 * plus the inspect path alone (esbuild bundle of bench/inspect-worker.ts) and a per-phase breakdown of one cold
 * run. Requires `npm run build` (the CLI runs from dist/). Target: whole process ≤ 0.5 s.
 *
 * Usage: npx tsx bench/inspect.ts [MODEL.onnx] [--runs N]   → bench/results/inspect.json
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { saveResult } from './lib/results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 20;
const model = args.find((a, i) => !a.startsWith('--') && i !== runsAt + 1)
  ?? path.resolve(root, '..', 'shared', 'fixtures', 'models', 'yolov13n-tokenc3-lsnet-random.onnx');

interface HyperfineResult { command: string; mean: number; median: number; stddev: number; min: number; user: number; system: number }

async function main(): Promise<void> {
  if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  const worker = path.join(root, 'node_modules', '.cache', 'prunekit-bench-inspect', 'inspect-worker.mjs');
  await build({ entryPoints: [path.join(here, 'inspect-worker.ts')], bundle: true, packages: 'external', platform: 'node', format: 'esm', outfile: worker, logLevel: 'error' });
  const phases = JSON.parse(execFileSync('node', [worker, model, '--phases'], { encoding: 'utf8' })) as unknown;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'prunekit-bench-inspect-'));
  const json = path.join(tmp, 'hyperfine.json');
  const cli = path.join(root, 'bin', 'prunekit.js');
  const commands = {
    'node-baseline': 'node -e 0',
    'cli-startup (--version)': `node ${cli} --version`,
    'inspect-path-only (bundled worker)': `node ${worker} ${model}`,
    'prunekit inspect': `node ${cli} inspect ${model}`,
  };
  execFileSync('hyperfine', ['--warmup', '3', '--runs', String(runs), '--export-json', json, '-N', '--style', 'basic',
    ...Object.entries(commands).flatMap(([name, cmd]) => ['-n', name, cmd])], { stdio: 'inherit' });
  const hf = JSON.parse(readFileSync(json, 'utf8')) as { results: HyperfineResult[] };
  const timings = Object.fromEntries(hf.results.map((r) => [r.command, {
    medianS: r.median, meanS: r.mean, stddevS: r.stddev, minS: r.min, userS: r.user, systemS: r.system, cpuS: r.user + r.system,
  }]));
  const inspect = timings['prunekit inspect']!;
  const result = {
    model, bytes: statSync(model).size, runs, cpus: os.cpus().length, loadAvgAtEnd: os.loadavg(),
    timings, coldRunPhases: phases,
    target: { wholeProcessS: 0.5 }, meets: inspect.medianS <= 0.5,
  };
  saveResult('inspect', result, { print: true });
}

await main();
