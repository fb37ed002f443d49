/**
 * `npm run mutation`: StrykerJS over prunekit's core (stryker.config.mjs), then the mutation score per module.
 *   npx tsx tools/mutation.ts                  every core module (long: see docs/mutation.md)
 *   npx tsx tools/mutation.ts --changed [BASE] only the core files changed since BASE (default: HEAD~1), as CI does
 *   npx tsx tools/mutation.ts --report [MOD]   print each module's score from the last reports (reports/mutation/*.json;
 *                                              each file counted from the newest report holding it), and MOD's per file
 *   npx tsx tools/mutation.ts FILE…            these files only
 * Each module runs alone with only its own tests (MODULES), incrementally: a re-run re-tests only the mutants whose
 * code or covering tests changed. Exit 1 when a module that was mutated scores under 85%.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';

/** The core modules of issue 16, the files each covers (prefix match on the path) and the unit tests that state their rules. */
export const MODULES: Record<string, { files: string[]; tests: string[] }> = {
  'eval/metrics': { files: ['src/eval/metrics/'], tests: ['test/eval/metrics/*.test.ts'] },
  'eval/coco': { files: ['src/eval/coco/'], tests: ['test/eval/coco/*.test.ts'] },
  'eval/nms': { files: ['src/eval/nms/'], tests: ['test/eval/nms/*.test.ts'] },
  'prune/select': { files: ['src/prune/select.ts'], tests: ['test/prune/select*.test.ts'] },
  'prune/nm': { files: ['src/prune/nm.ts'], tests: ['test/prune/nm*.test.ts'] },
  'prune/allocate': { files: ['src/prune/allocate.ts', 'src/prune/allocate-plan.ts'], tests: ['test/prune/allocate*.test.ts'] },
  'prune/importance': { files: ['src/prune/importance.ts'], tests: ['test/prune/importance*.test.ts'] },
  'prune/categorise': { files: ['src/prune/categorise.ts'], tests: ['test/prune/categorise*.test.ts'] },
  'prune/head': { files: ['src/prune/head.ts'], tests: ['test/prune/categorise*.test.ts', 'test/prune/head*.test.ts'] },
  'graph/deps': { files: ['src/graph/deps/'], tests: ['test/graph/deps/*.test.ts'] },
  quantize: { files: ['src/quantize/'], tests: ['test/quantize/*.test.ts'] },
};
/** One JSON report (and one incremental file) per module, so modules run one at a time and re-runs only test changed mutants. */
const REPORTS = 'reports/mutation';
const slug = (mod: string): string => mod.replace(/\//g, '-');
const THRESHOLD = 85;

const moduleOf = (file: string): string | undefined => Object.entries(MODULES).find(([, m]) => m.files.some((x) => file.startsWith(x)))?.[0];
const mutable = (file: string): boolean => file.endsWith('.ts') && !/\/(index|types)\.ts$/.test(file) && moduleOf(file) !== undefined && existsSync(file);

interface Mutant { status: string; mutatorName?: string; replacement?: string; location?: { start: { line: number; column: number }; end: { line: number; column: number } } }
interface Counts { killed: number; survived: number; noCoverage: number; timeout: number; errors: number }

const mutantKey = (m: Mutant): string => {
  const l = m.location;
  return `${m.mutatorName}@${l?.start.line}:${l?.start.column}-${l?.end.line}:${l?.end.column}=${m.replacement}`;
};

/**
 * Mutants per source file from the reports: a file mutated in several runs (the whole module, then only that file)
 * counts from the newest report that holds it. Older reports of the same file with the same source (runs over
 * parts of a file, `MUTATE=file:from-to`) add the mutants the newer ones do not hold, so the parts add up; a report
 * over an older source is left out.
 */
function fileResults(): Map<string, { mtime: number; mutants: Mutant[] }> {
  const byFile = new Map<string, { mtime: number; source: string; mutants: Mutant[] }[]>();
  const reports = existsSync(REPORTS) ? readdirSync(REPORTS).filter((f) => /^[\w-]+\.json$/.test(f) && f !== 'mutation.json') : [];
  for (const name of reports) {
    const path = `${REPORTS}/${name}`;
    const mtime = statSync(path).mtimeMs;
    const report = JSON.parse(readFileSync(path, 'utf8')) as { files: Record<string, { source: string; mutants: Mutant[] }> };
    for (const [file, f] of Object.entries(report.files)) {
      const key = file.replace(/^.*?(src\/)/, '$1');
      byFile.set(key, [...(byFile.get(key) ?? []), { mtime, source: f.source, mutants: f.mutants }]);
    }
  }
  const files = new Map<string, { mtime: number; mutants: Mutant[] }>();
  for (const [file, runs] of byFile) {
    runs.sort((a, b) => b.mtime - a.mtime);
    const newest = runs[0]!;
    const seen = new Set<string>();
    const mutants: Mutant[] = [];
    for (const run of runs) {
      if (run.source !== newest.source) continue;
      for (const m of run.mutants) {
        const k = mutantKey(m);
        if (!seen.has(k)) mutants.push(m);
        seen.add(k);
      }
    }
    files.set(file, { mtime: newest.mtime, mutants });
  }
  return files;
}

function count(mutants: readonly Mutant[], c: Counts = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, errors: 0 }): Counts {
  for (const m of mutants) {
    if (m.status === 'Killed') c.killed++;
    else if (m.status === 'Survived') c.survived++;
    else if (m.status === 'NoCoverage') c.noCoverage++;
    else if (m.status === 'Timeout') c.timeout++;
    else if (m.status === 'CompileError' || m.status === 'RuntimeError') c.errors++;
  }
  return c;
}

/** Counts per module, or per file of `only` (a module name). */
function scores(only?: string): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const [file, f] of fileResults()) {
    const mod = moduleOf(file) ?? file;
    if (only !== undefined && mod !== only) continue;
    const key = only === undefined ? mod : file;
    out.set(key, count(f.mutants, out.get(key)));
  }
  return out;
}

/** Prints every module's last score; false when one of `judged` (default: all) is under the threshold. */
function printScores(judged?: Set<string>, perFileOf?: string): boolean {
  let ok = true;
  if (perFileOf !== undefined) {
    console.log(`\n${perFileOf} by file          score   killed timeout survived no-cov (type errors)`);
    for (const [file, c] of [...scores(perFileOf)].sort(([a], [b]) => a.localeCompare(b))) {
      const valid = c.killed + c.timeout + c.survived + c.noCoverage;
      console.log(`${file.padEnd(28)} ${(valid ? (100 * (c.killed + c.timeout)) / valid : 100).toFixed(1).padStart(6)}%  ${String(c.killed).padStart(6)} ${String(c.timeout).padStart(7)} ${String(c.survived).padStart(8)} ${String(c.noCoverage).padStart(6)} (${c.errors})`);
    }
  }
  console.log('\nmodule              score   killed timeout survived no-cov (type errors)');
  for (const [mod, c] of [...scores()].sort(([a], [b]) => a.localeCompare(b))) {
    const valid = c.killed + c.timeout + c.survived + c.noCoverage;
    const score = valid ? (100 * (c.killed + c.timeout)) / valid : 100;
    if (score < THRESHOLD && (judged === undefined || judged.has(mod))) ok = false;
    console.log(`${mod.padEnd(18)} ${score.toFixed(1).padStart(6)}%  ${String(c.killed).padStart(6)} ${String(c.timeout).padStart(7)} ${String(c.survived).padStart(8)} ${String(c.noCoverage).padStart(6)} (${c.errors})`);
  }
  console.log(ok ? `every mutated module >= ${THRESHOLD}%` : `some module is under ${THRESHOLD}%: see docs/mutation.md for the survivors judged equivalent`);
  return ok;
}

const args = process.argv.slice(2);
if (args[0] === '--report') process.exit(printScores(undefined, args[1]) ? 0 : 1);
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

/** Runs StrykerJS over `files` of one module with only that module's tests; false if Stryker itself failed. */
function mutateModule(mod: string, modFiles: string[]): boolean {
  const { files } = MODULES[mod]!;
  // MUTATION_TESTS (comma-separated globs) narrows the tests, e.g. to a module's fast unit tests (docs/mutation.md).
  const tests = process.env.MUTATION_TESTS?.split(',') ?? MODULES[mod]!.tests;
  // A run over some of the module's files keeps its own report and incremental file (<module>--<file>-<file>),
  // so runs over parts of a large module add up (the newest result of each file counts).
  const whole = files.every((f) => modFiles.includes(f.endsWith('/') ? `${f}**/*.ts` : f)) && modFiles.length === files.length;
  const name = whole ? slug(mod) : `${slug(mod)}--${modFiles.map((f) => f.replace(/^.*\//, '').replace(/\.ts$/, '').replace(/\W+/g, '_')).join('-')}`;
  console.log(`\nmutation: ${mod}: ${modFiles.join(' ')} (tests: ${tests.join(' ')})`);
  const env = {
    ...process.env,
    MUTATE: modFiles.join(','),
    MUTATION_TESTS: tests.join(','),
    MUTATION_REPORT: `${REPORTS}/${name}.json`,
    MUTATION_INCREMENTAL: `${REPORTS}/incremental/${name}.json`,
  };
  const started = Date.now();
  const run = spawnSync('npx', ['stryker', 'run'], { stdio: 'inherit', env });
  console.log(`mutation: ${mod}: ${((Date.now() - started) / 60_000).toFixed(1)} min wall time`);
  return run.status === 0;
}

const byModule = new Map<string, string[]>();
for (const f of files ?? Object.values(MODULES).flatMap((m) => m.files)) {
  const mod = moduleOf(f);
  if (mod === undefined) {
    console.error(`mutation: ${f} is in no core module of tools/mutation.ts`);
    process.exit(2);
  }
  byModule.set(mod, [...(byModule.get(mod) ?? []), f.endsWith('/') ? `${f}**/*.ts` : f]);
}
for (const [mod, modFiles] of byModule) if (!mutateModule(mod, modFiles)) process.exit(1);
process.exit(printScores(new Set(byModule.keys())) ? 0 : 1);
