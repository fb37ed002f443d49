/**
 * Unstructured pruning benchmark (issue 3). Run: `npx tsx bench/prune.ts` (env: BENCH_RUNS=10 interleaved pairs,
 * BENCH_MODEL=file in fixtures/models). Writes bench/results/prune.json.
 *
 * 1. Builds the CLI (tsc → a temp folder), so the timed command is `node …/cli.js prune …` as shipped.
 * 2. Whole-process wall time of `prunekit prune MODEL --target 0.10 --no-verify` against
 *    `tools/prune_torch_ref.py` (per-layer L1 with torch.topk, Debian python3-torch + python3-onnx), both
 *    whole-process: (a) hyperfine with both commands in one run, (b) our own strictly interleaved A/B loop;
 *    ratio of medians.
 * 3. Peak RSS of the prune (`/usr/bin/time -v`), against 4× the model size; the CLI's own startup RSS
 *    (`prunekit presets`) for reference.
 * 4. Wall time with the default onnxruntime check and with `--verify` (compare against the original).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, REPO_ROOT } from '../test/helpers/fixtures.js';
import { saveResult } from './lib/results.js';

const runs = Number(process.env.BENCH_RUNS ?? 10);
const modelName = process.env.BENCH_MODEL ?? 'yolov13n-tokenc3-lsnet-random.onnx';
const model = path.join(FIXTURES, 'models', modelName);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-prune-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// 1. Build.
const build = path.join(tmp, 'build');
await mkdir(build);
await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(build, 'node_modules'));
await writeFile(path.join(build, 'package.json'), JSON.stringify({ type: 'module' }));
spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', path.join(build, 'dist'), '--sourceMap', 'false', '--declaration', 'false'], { cwd: REPO_ROOT, stdio: 'ignore' });
const cli = path.join(build, 'cli.js');
await writeFile(cli, "import { runCli } from './dist/cli/main.js';\nprocess.exitCode = await runCli(process.argv.slice(2));\n");

const outTs = path.join(tmp, 'pruned-ts.onnx');
const outPy = path.join(tmp, 'pruned-py.onnx');
const ts = ['node', cli, 'prune', model, '-o', outTs, '--target', '0.10', '--no-verify', '--force'];
const py = ['/usr/bin/python3', path.join(REPO_ROOT, 'tools', 'prune_torch_ref.py'), model, outPy, '0.10'];
const sh = (argv: string[]) => argv.map((a) => `'${a}'`).join(' ');

function wall(argv: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${sh(argv)} exited with ${r.status}`);
  return (performance.now() - t0) / 1000;
}

// 2a. hyperfine, both commands in one run.
const hfJson = path.join(tmp, 'hyperfine.json');
execFileSync('hyperfine', ['--warmup', '1', '--runs', String(runs), '--export-json', hfJson, '-N', sh(ts), sh(py)], { stdio: 'inherit' });
const hf = JSON.parse(await readFile(hfJson, 'utf8')) as { results: { command: string; median: number; mean: number; stddev: number; min: number; max: number }[] };
const [hfTs, hfPy] = hf.results;

// 2b. Strictly interleaved A/B.
wall(ts);
wall(py);
const a: number[] = [], b: number[] = [];
for (let i = 0; i < runs; i++) {
  a.push(wall(ts));
  b.push(wall(py));
}

// 3. Peak RSS.
function peakRss(argv: string[]): number {
  const r = spawnSync('/usr/bin/time', ['-v', ...argv], { encoding: 'utf8' });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no RSS for ${sh(argv)}`);
  return Number(m[1]) * 1024;
}
const modelBytes = (await stat(model)).size;
const rssPrune = median([peakRss(ts), peakRss(ts), peakRss(ts)]);
const rssCliStartup = median([peakRss(['node', cli, 'presets']), peakRss(['node', cli, 'presets']), peakRss(['node', cli, 'presets'])]);
const rssPython = peakRss(py);

// 4. With verification.
const withCheck = ts.filter((x) => x !== '--no-verify');
const withCompare = [...withCheck, '--verify'];
const checkTimes = [wall(withCheck), wall(withCheck), wall(withCheck)];
const compareTimes = [wall(withCompare), wall(withCompare), wall(withCompare)];

const result = {
  model: modelName,
  modelBytes,
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavgAtEnd: os.loadavg() },
  commands: { prunekit: sh(ts), python: sh(py) },
  hyperfine: {
    prunekitMedianS: hfTs!.median, pythonMedianS: hfPy!.median, ratio: hfPy!.median / hfTs!.median,
    prunekit: hfTs, python: hfPy,
  },
  interleaved: { runs, prunekitS: a, pythonS: b, prunekitMedianS: median(a), pythonMedianS: median(b), ratio: median(b) / median(a) },
  rss: {
    pruneBytes: rssPrune, pruneOverModel: rssPrune / modelBytes, cliStartupBytes: rssCliStartup,
    pruneOverStartupBytes: rssPrune - rssCliStartup, pythonBytes: rssPython, limitBytes: 4 * modelBytes,
  },
  withVerification: { defaultRunCheckMedianS: median(checkTimes), compareMedianS: median(compareTimes), defaultRunCheckS: checkTimes, compareS: compareTimes },
};
saveResult('prune', result);
console.log(JSON.stringify({ hyperfine: result.hyperfine.ratio, interleaved: result.interleaved, rss: result.rss, withVerification: result.withVerification }, null, 2));
