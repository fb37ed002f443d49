/**
 * Where the CPU of `prunekit inspect best.pt` goes: cold processes (plain node on the built dist/, as shipped) that
 * time each phase with process.cpuUsage() (all threads: GC helpers and the optimising compiler included, so each
 * phase carries the background work it causes). Phases: node start, loading the CLI modules (commander, the
 * inspect command, the checkpoint reader), reading the file, zip + pickle (`readCheckpoint`), the summary (module
 * tree, state_dict, class table), the text. Medians over the runs; `BENCH_BASELINE=/other/checkout` adds that
 * build's dist/ in alternating runs. Requires `npm run build`.
 *
 * Usage: flock /tmp/prunekit-bench.lock npx tsx bench/pt-inspect-phases.ts [runs=10] → bench/results/pt-inspect-phases.json
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, REPO_ROOT } from '../test/helpers/fixtures-path.js';
import { median } from './lib/coco128-loop.js';
import { saveResult } from './lib/results.js';

const runs = Number(process.argv[2] ?? 10);
const pt = path.join(FIXTURES, 'models', 'yolov13n-tokenc3-lsnet-random.pt');
const builds: Record<string, string> = { current: REPO_ROOT };
if (process.env.BENCH_BASELINE) builds.baseline = path.resolve(process.env.BENCH_BASELINE);

/** The measured process: the same modules and calls as `inspect FILE`, with a CPU mark after each phase. */
const worker = (root: string): string => `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const marks = [['node start', cpu()]];
const mark = (name) => marks.push([name, cpu()]);
const dist = ${JSON.stringify(path.join(root, 'dist'))} + '/';
await import(dist + 'cli/main.js');
await import(dist + 'cli/inspect.js');
const ic = await import(dist + 'cli/inspect-checkpoint.js');
const { readCheckpoint } = await import(dist + 'io/pytorch/checkpoint.js');
const { summarizeCheckpoint } = await import(dist + 'graph/checkpoint-summary.js');
const { readFile } = await import('node:fs/promises');
mark('modules');
const bytes = await readFile(${JSON.stringify(pt)});
mark('read');
const ckpt = readCheckpoint(bytes, 'x.pt');
mark('zip + pickle');
const summary = summarizeCheckpoint(ckpt);
mark('summary');
ic.renderWeightsSummary(summary).join('\\n');
mark('text');
console.log(JSON.stringify(Object.fromEntries(marks.map(([n, t], i) => [n, i ? t - marks[i - 1][1] : t]))));
`;

const samples: Record<string, Record<string, number[]>> = {};
for (let r = 0; r < runs + 1; r++) {
  for (const [name, root] of r % 2 ? Object.entries(builds).reverse() : Object.entries(builds)) {
    const phases = JSON.parse(execFileSync('node', ['--input-type=module', '-e', worker(root)], { encoding: 'utf8' })) as Record<string, number>;
    if (r === 0) continue; // warm-up (page cache)
    for (const [phase, ms] of Object.entries(phases)) ((samples[name] ??= {})[phase] ??= []).push(ms);
  }
}
const summary = Object.fromEntries(Object.entries(samples).map(([name, phases]) => {
  const med = Object.fromEntries(Object.entries(phases).map(([p, v]) => [p, Math.round(median(v) * 10) / 10]));
  return [name, { ...med, total: Math.round(Object.values(med).reduce((a, b) => a + b, 0) * 10) / 10 }];
}));
console.table(summary);
saveResult('pt-inspect-phases', {
  command: `${process.env.BENCH_BASELINE ? `BENCH_BASELINE=${process.env.BENCH_BASELINE} ` : ''}npx tsx bench/pt-inspect-phases.ts ${runs}`,
  unit: 'ms CPU (user + system, all threads), median', runs, loadAverage: os.loadavg(), builds, summary, samples, date: new Date().toISOString(),
});
