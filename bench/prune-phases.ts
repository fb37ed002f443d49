/**
 * Where the time of `prunekit prune TokenC3.onnx --target 0.10 --no-verify` goes, against the Python/torch script
 * of bench/prune.ts (issue 14 item 13: ≥ 5× faster). CPU time (user + system) of whole processes, from
 * /usr/bin/time, in alternating rounds: `node -e 0`, the CLI as shipped (bin/prunekit.js → dist/), the same CLI
 * bundled into one file by esbuild (an experiment: what a bundled build would save in module loading), and
 * `tools/prune_torch_ref.py`. Then the CPU per phase of the same prune in one cold process (the built modules,
 * no TypeScript loader): node start, importing the CLI and the prune command, read + parse, plan, cutting the
 * layers, writing; and the same phases of the Python script (`--phases`: interpreter start, imports, onnx.load,
 * prune, onnx.save), in alternating cold processes, side by side in `sideBySide`.
 * Requires `npm run build` and Debian python3-torch + python3-onnx.
 *
 * Usage: flock /tmp/prunekit-bench.lock npx tsx bench/prune-phases.ts [rounds=5]   → bench/results/prune-phases.json
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { FIXTURES, REPO_ROOT } from '../test/helpers/fixtures-path.js';
import { median } from './lib/coco128-loop.js';
import { saveResult } from './lib/results.js';

const rounds = Number(process.argv[2] ?? 5);
const model = path.join(FIXTURES, 'models', 'yolov13n-tokenc3-lsnet-random.onnx');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'prunekit-prune-phases-'));
const cacheDir = path.join(REPO_ROOT, 'node_modules', '.cache', 'prunekit-bench-prune');
mkdirSync(cacheDir, { recursive: true });
const bundled = path.join(cacheDir, 'cli.mjs');
await build({
  entryPoints: [path.join(REPO_ROOT, 'dist', 'cli', 'cli.js')], bundle: true, platform: 'node', format: 'esm', outfile: bundled, logLevel: 'error',
  external: ['onnxruntime-node', 'onnxruntime-web', 'sharp'],
  banner: { js: "import { createRequire as __prunekitRequire } from 'node:module'; const require = __prunekitRequire(import.meta.url);" },
});
const pruneArgs = (out: string) => ['prune', model, '-o', path.join(tmp, out), '--target', '0.10', '--no-verify', '--force'];
const commands: Record<string, string[]> = {
  'node -e 0': ['node', '-e', '0'],
  'prunekit prune (bin/prunekit.js)': ['node', path.join(REPO_ROOT, 'bin', 'prunekit.js'), ...pruneArgs('cli.onnx')],
  'prunekit prune (esbuild bundle)': ['node', bundled, ...pruneArgs('bundle.onnx')],
  'python tools/prune_torch_ref.py': ['/usr/bin/python3', path.join(REPO_ROOT, 'tools', 'prune_torch_ref.py'), model, path.join(tmp, 'py.onnx'), '0.10'],
};

function timed(argv: string[]): { wallS: number; cpuS: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...argv], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited with ${r.status}: ${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallS: wall!, cpuS: user! + sys! };
}

const samples: Record<string, { wallS: number; cpuS: number }[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (const argv of Object.values(commands)) timed(argv); // warm the page cache
for (let r = 0; r < rounds; r++) for (const [name, argv] of Object.entries(commands)) samples[name]!.push(timed(argv));
const summary = Object.fromEntries(Object.entries(samples).map(([k, s]) => [k, {
  medianCpuS: median(s.map((x) => x.cpuS)), medianWallS: median(s.map((x) => x.wallS)), samples: s,
}]));
const py = summary['python tools/prune_torch_ref.py']!.medianCpuS;
const cli = summary['prunekit prune (bin/prunekit.js)']!.medianCpuS;
const bundle = summary['prunekit prune (esbuild bundle)']!.medianCpuS;

// Per-phase CPU of one cold prune (the CLI's modules as built; the calls prune-file.ts makes).
const dist = (p: string) => JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist', p)).href);
const phaseScript = `
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const out = { 'node start': cpu() };
let t = cpu();
const mark = (k) => { const c = cpu(); out[k] = c - t; t = c; };
await import(${dist('cli/main.js')}); await import(${dist('cli/prune.js')}); mark('import CLI + prune command');
const { loadOnnx } = await import(${dist('files/onnx-file.js')});
const { openPruneStream, provenanceTrailer } = await import(${dist('prune/prune-stream.js')});
const { getPreset } = await import(${dist('prune/presets.js')});
const { writeReplaced } = await import(${dist('files/prune-write.js')}); mark('import (rest)');
const m = await loadOnnx(${JSON.stringify(model)}); mark('read + parse');
const s = openPruneStream(m, { preset: getPreset('uniform'), target: 0.1, classSources: [] }); mark('plan');
const reps = [...s.replacements()]; mark('cut layers (select, zero, recount)');
await writeReplaced(m.source, ${JSON.stringify(path.join(tmp, 'phases.onnx'))}, reps, { force: true, trailer: provenanceTrailer(m, s) }); mark('write 28 MB');
s.result(); mark('result');
console.log(JSON.stringify(out));
`;
const phaseRuns: Record<string, number>[] = [];
const pythonPhaseRuns: Record<string, number>[] = [];
for (let r = 0; r < rounds; r++) {
  const p = spawnSync('node', ['--input-type=module', '-e', phaseScript], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`phase script failed: ${p.stderr}`);
  phaseRuns.push(JSON.parse(p.stdout) as Record<string, number>);
  const q = spawnSync('/usr/bin/python3', [...commands['python tools/prune_torch_ref.py']!.slice(1), '--phases'], { encoding: 'utf8' });
  if (q.status !== 0) throw new Error(`python phases failed: ${q.stderr}`);
  pythonPhaseRuns.push(JSON.parse(q.stdout.trim().split('\n').at(-1)!) as Record<string, number>);
}
const medianPhases = (runs: Record<string, number>[]) => Object.fromEntries(Object.keys(runs[0]!).map((k) => [k, Math.round(median(runs.map((p) => p[k]!)))]));
const phasesMedianCpuMs = medianPhases(phaseRuns);
const pythonPhasesMedianCpuMs = medianPhases(pythonPhaseRuns);
/** The two profiles side by side, CPU ms: [Node CLI phases, Python phases] summed per step. */
const sum = (m: Record<string, number>, keys: string[]) => keys.reduce((a, k) => a + (m[k] ?? 0), 0);
const N = phasesMedianCpuMs, P = pythonPhasesMedianCpuMs;
const sideBySide = {
  'runtime start': { node: sum(N, ['node start']), python: sum(P, ['python start']) },
  'module load': { node: sum(N, ['import CLI + prune command', 'import (rest)']), python: sum(P, ['import numpy + onnx + torch']) },
  'read + parse 28 MB': { node: sum(N, ['read + parse']), python: sum(P, ['onnx.load (read + parse)']) },
  prune: { node: sum(N, ['plan', 'cut layers (select, zero, recount)', 'result']), python: sum(P, ['prune (per-layer topk, zero, re-encode)']) },
  'write 28 MB': { node: sum(N, ['write 28 MB']), python: sum(P, ['onnx.save (serialise + write)']) },
};
console.log('phase (CPU ms)            node   python');
for (const [k, v] of Object.entries(sideBySide)) console.log(`${k.padEnd(24)} ${String(v.node).padStart(6)} ${String(v.python).padStart(8)}`);

const result = {
  benchmark: 'prune-phases', model: path.basename(model), rounds, commands: Object.fromEntries(Object.entries(commands).map(([k, v]) => [k, v.join(' ')])),
  summary,
  ratioPythonOverCliCpu: py / cli, ratioPythonOverBundleCpu: py / bundle, target: 5,
  phasesMedianCpuMs, pythonPhasesMedianCpuMs, sideBySide, phaseRuns, pythonPhaseRuns,
  cpus: os.cpus().length, loadavg: os.loadavg(), node: process.version, date: new Date().toISOString(),
};
saveResult('prune-phases', result);
console.log(JSON.stringify({ cpuS: Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, v.medianCpuS])), ratioPythonOverCliCpu: result.ratioPythonOverCliCpu, ratioPythonOverBundleCpu: result.ratioPythonOverBundleCpu, phasesMedianCpuMs, loadavg: result.loadavg }, null, 2));
