/**
 * Whole-process wall and CPU time (user + system, from /usr/bin/time) of the CLI paths issue 13 targets, run in
 * alternating rounds so background load hits them alike: `node -e 0`, `prunekit inspect` of the 28 MB TokenC3
 * ONNX, `prunekit prune … --target 0.10 --no-verify` of it, and `prunekit inspect` of the TokenC3 `.pt`.
 * On a loaded machine the wall time mostly measures waiting for a core; the CPU time of these single-threaded
 * processes is what they cost, and what their wall time is on an idle machine (± disk).
 * Requires `npm run build` (runs bin/prunekit.js, as shipped).
 *
 * Usage: flock /tmp/prunekit-bench.lock npx tsx bench/whole-process.ts [rounds=8]   → bench/results/whole-process.json
 * `BENCH_PART=pt` runs only `node -e 0` and the `.pt` inspect (→ whole-process-pt.json), `BENCH_PART=onnx` only the
 * ONNX inspect and prune (→ whole-process-onnx.json). `BENCH_BASELINE=/other/checkout/bin/prunekit.js` adds each
 * CLI command run by that build as well, `… (baseline)`, in the same alternating rounds (before/after of a change;
 * that checkout must be built too).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, REPO_ROOT } from '../test/helpers/fixtures-path.js';
import { median } from './lib/coco128-loop.js';
import { saveResult } from './lib/results.js';

const rounds = Number(process.argv[2] ?? 8);
const part = process.env.BENCH_PART ?? 'all';
const baseline = process.env.BENCH_BASELINE;
if (!['all', 'pt', 'onnx'].includes(part)) throw new Error(`BENCH_PART=${part}: use all, pt or onnx`);
const onnx = path.join(FIXTURES, 'models', 'yolov13n-tokenc3-lsnet-random.onnx');
const pt = path.join(FIXTURES, 'models', 'yolov13n-tokenc3-lsnet-random.pt');
const cli = path.join(REPO_ROOT, 'bin', 'prunekit.js');
const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'prunekit-whole-')), 'pruned.onnx');
const all: Record<string, { argv: string[]; parts: string[] }> = {
  'node -e 0': { argv: ['-e', '0'], parts: ['all', 'pt', 'onnx'] },
  'inspect TokenC3.onnx': { argv: [cli, 'inspect', onnx], parts: ['all', 'onnx'] },
  'prune TokenC3.onnx --target 0.10 --no-verify': { argv: [cli, 'prune', onnx, '-o', out, '--target', '0.10', '--no-verify', '--force'], parts: ['all', 'onnx'] },
  'inspect TokenC3.pt': { argv: [cli, 'inspect', pt], parts: ['all', 'pt'] },
};
const commands: Record<string, string[]> = {};
for (const [name, c] of Object.entries(all)) {
  if (!c.parts.includes(part)) continue;
  commands[name] = ['node', ...c.argv];
  if (baseline && c.argv[0] === cli) commands[`${name} (baseline)`] = ['node', baseline, ...c.argv.slice(1)];
}
const targets: Record<string, number> = { 'inspect TokenC3.onnx': 0.5, 'prune TokenC3.onnx --target 0.10 --no-verify': 1.0, 'inspect TokenC3.pt': 0.3 };

function timed(argv: string[]): { wallS: number; cpuS: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', ...argv], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]) };
}

const samples: Record<string, { wallS: number[]; cpuS: number[] }> = {};
for (const name of Object.keys(commands)) samples[name] = { wallS: [], cpuS: [] };
const load = [os.loadavg()];
for (let r = 0; r < rounds + 1; r++) {
  const names = Object.keys(commands);
  if (r % 2 === 1) names.reverse();
  for (const name of names) {
    const t = timed(commands[name]!);
    if (r === 0) continue; // warm-up round (page cache, JIT caches of node itself)
    samples[name]!.wallS.push(t.wallS);
    samples[name]!.cpuS.push(t.cpuS);
  }
}
load.push(os.loadavg());
const summary = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, {
  medianWallS: median(s.wallS), minWallS: Math.min(...s.wallS), medianCpuS: median(s.cpuS), minCpuS: Math.min(...s.cpuS), targetS: targets[name] ?? null,
  meetsByCpu: targets[name] === undefined ? null : median(s.cpuS) <= targets[name]!,
}]));
console.table(summary);
const env = `${part === 'all' ? '' : `BENCH_PART=${part} `}${baseline ? `BENCH_BASELINE=${baseline} ` : ''}`;
saveResult(part === 'all' ? 'whole-process' : `whole-process-${part}`, {
  command: `${env}npx tsx bench/whole-process.ts ${rounds}`, rounds, cpus: os.cpus().length, loadAverage: load, summary, samples, date: new Date().toISOString(),
});
