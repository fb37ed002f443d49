/**
 * `npm run mutation`: StrykerJS over prunekit's core (stryker.config.mjs), then the mutation score per module.
 *   npx tsx tools/mutation.ts                  every core module (long: see docs/mutation.md)
 *   npx tsx tools/mutation.ts --changed [BASE] only the core files changed since BASE (default: HEAD~1), as CI does
 *   npx tsx tools/mutation.ts --report         print the scores of the last run's reports/mutation/mutation.json
 *   npx tsx tools/mutation.ts FILE…            these files only
 * Exit 1 when a module that was mutated scores under 85%.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** The core modules of issue 16 and the files each covers (prefix match on the path). */
export const MODULES: Record<string, string[]> = {
  'eval/metrics': ['src/eval/metrics/'],
  'eval/coco': ['src/eval/coco/'],
  'eval/nms': ['src/eval/nms/'],
  'prune/select': ['src/prune/select.ts'],
  'prune/nm': ['src/prune/nm.ts'],
  'prune/allocate': ['src/prune/allocate.ts', 'src/prune/allocate-plan.ts'],
  'prune/importance': ['src/prune/importance.ts'],
  'prune/categorise': ['src/prune/categorise.ts'],
  'prune/head': ['src/prune/head.ts'],
  'graph/deps': ['src/graph/deps/'],
  quantize: ['src/quantize/'],
};
const REPORT = 'reports/mutation/mutation.json';
const THRESHOLD = 85;

const moduleOf = (file: string): string | undefined => Object.entries(MODULES).find(([, p]) => p.some((x) => file.startsWith(x)))?.[0];
const mutable = (file: string): boolean => file.endsWith('.ts') && !/\/(index|types)\.ts$/.test(file) && moduleOf(file) !== undefined && existsSync(file);

interface Mutant { status: string }
interface Counts { killed: number; survived: number; noCoverage: number; timeout: number; errors: number }

function scores(): Map<string, Counts> {
  const report = JSON.parse(readFileSync(REPORT, 'utf8')) as { files: Record<string, { mutants: Mutant[] }> };
  const out = new Map<string, Counts>();
  for (const [file, f] of Object.entries(report.files)) {
    const mod = moduleOf(file.replace(/^.*?(src\/)/, '$1')) ?? file;
    const c = out.get(mod) ?? { killed: 0, survived: 0, noCoverage: 0, timeout: 0, errors: 0 };
    for (const m of f.mutants) {
      if (m.status === 'Killed') c.killed++;
      else if (m.status === 'Survived') c.survived++;
      else if (m.status === 'NoCoverage') c.noCoverage++;
      else if (m.status === 'Timeout') c.timeout++;
      else if (m.status === 'CompileError' || m.status === 'RuntimeError') c.errors++;
    }
    out.set(mod, c);
  }
  return out;
}

function printScores(): boolean {
  let ok = true;
  console.log('\nmodule              score   killed timeout survived no-cov (type errors)');
  for (const [mod, c] of [...scores()].sort(([a], [b]) => a.localeCompare(b))) {
    const valid = c.killed + c.timeout + c.survived + c.noCoverage;
    const score = valid ? (100 * (c.killed + c.timeout)) / valid : 100;
    if (score < THRESHOLD) ok = false;
    console.log(`${mod.padEnd(18)} ${score.toFixed(1).padStart(6)}%  ${String(c.killed).padStart(6)} ${String(c.timeout).padStart(7)} ${String(c.survived).padStart(8)} ${String(c.noCoverage).padStart(6)} (${c.errors})`);
  }
  console.log(ok ? `every mutated module >= ${THRESHOLD}%` : `some module is under ${THRESHOLD}%: see docs/mutation.md for the survivors judged equivalent`);
  return ok;
}

const args = process.argv.slice(2);
if (args[0] === '--report') process.exit(printScores() ? 0 : 1);
let files: string[] | undefined;
if (args[0] === '--changed') {
  const base = args[1] ?? 'HEAD~1';
  let changed: string;
  try {
    changed = execFileSync('git', ['diff', '--name-only', base, '--', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    console.warn(`mutation: cannot diff against ${base} (a shallow clone?); set MUTATION_BASE or pass --changed BASE. Skipped.`);
    process.exit(0);
  }
  files = changed.split('\n').filter(mutable);
  if (files.length === 0) {
    console.log(`mutation: no core module changed since ${base}; nothing to mutate`);
    process.exit(0);
  }
  console.log(`mutation: core files changed since ${base}: ${files.join(' ')}`);
} else if (args.length > 0) files = args;

const env = { ...process.env, ...(files ? { MUTATE: files.join(',') } : {}) };
const run = spawnSync('npx', ['stryker', 'run'], { stdio: 'inherit', env });
if (run.status !== 0) process.exit(run.status ?? 1);
process.exit(printScores() ? 0 : 1);
