/**
 * Re-applies, one at a time, the small bugs a review seeded into core functions (issue 16) and runs the tests
 * that cover each file: every bug must make at least one test fail. Sources are restored after each run (also on
 * Ctrl-C). Refuses to run when a file it edits has uncommitted changes.
 *
 * Usage: npx tsx tools/seeded-bugs.ts        (exit 1 if any bug survives)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

interface SeededBug { name: string; file: string; from: string; to: string; tests: string[] }

export const SEEDED_BUGS: SeededBug[] = [
  { name: 'exact IoU ties go to the earlier label (Ultralytics matching)', file: 'src/eval/metrics/match.ts', from: 'if (v >= bestIou && v > 0)', to: 'if (v > bestIou && v > 0)', tests: ['test/eval/metrics/match.test.ts'] },
  { name: 'an IoU exactly at the threshold stops matching (COCO matching)', file: 'src/eval/coco/match.ts', from: 'if (v < best) continue;', to: 'if (v <= best) continue;', tests: ['test/eval/coco/cocoeval.test.ts'] },
  { name: 'ties among the k smallest select too few (select)', file: 'src/prune/select.ts', from: 'while (below > 0 && keys[below - 1] === key)', to: 'while (below > 1 && keys[below - 1] === key)', tests: ['test/prune/select.test.ts'] },
  { name: 'N:M zeroes N instead of M − N', file: 'src/prune/nm.ts', from: 'const drop = p.m - p.n;', to: 'const drop = p.n;', tests: ['test/prune/nm.test.ts'] },
  { name: 'Slice bounds not clamped to [0, C]', file: 'src/graph/deps/rules.ts', from: 'const clamp = (v: number) => Math.min(C, Math.max(0, v < 0 ? v + C : v));', to: 'const clamp = (v: number) => (v < 0 ? v + C : v);', tests: ['test/graph/deps/rules.test.ts'] },
  { name: 'Slice axis not normalised (axis -3 missed)', file: 'src/graph/deps/rules.ts', from: 'const k = axes.findIndex((a) => normAxis(a, rank) === 1);', to: 'const k = axes.findIndex((a) => a === 1);', tests: ['test/graph/deps/rules.test.ts'] },
  { name: 'Pad end offset read at pads[rank] instead of pads[rank + 1]', file: 'src/graph/deps/rules.ts', from: 'pads[rank + 1] !== 0', to: 'pads[rank] !== 0', tests: ['test/graph/deps/rules.test.ts'] },
];

function runTests(tests: string[]): boolean {
  const r = spawnSync('npx', ['vitest', 'run', '--reporter=dot', ...tests], { encoding: 'utf8' });
  return r.status === 0;
}

const files = [...new Set(SEEDED_BUGS.map((b) => b.file))];
const dirty = execFileSync('git', ['status', '--porcelain', '--', ...files], { encoding: 'utf8' }).trim();
if (dirty) {
  console.error(`uncommitted changes in files this script edits; commit or stash them first:\n${dirty}`);
  process.exit(2);
}
const originals = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
const restore = (): void => { for (const [f, text] of originals) writeFileSync(f, text); };
process.on('SIGINT', () => { restore(); process.exit(130); });

let survived = 0;
try {
  const allTests = [...new Set(SEEDED_BUGS.flatMap((b) => b.tests))];
  if (!runTests(allTests)) throw new Error(`the tests fail without any seeded bug: ${allTests.join(' ')}`);
  for (const bug of SEEDED_BUGS) {
    const text = originals.get(bug.file)!;
    if (text.split(bug.from).length !== 2) throw new Error(`${bug.file}: '${bug.from}' must occur exactly once (the code moved: update this list)`);
    writeFileSync(bug.file, text.replace(bug.from, bug.to));
    const caught = !runTests(bug.tests);
    writeFileSync(bug.file, text);
    if (!caught) survived++;
    console.log(`${caught ? 'caught  ' : 'SURVIVED'}  ${bug.name}  (${bug.file}; ${bug.tests.join(', ')})`);
  }
} finally {
  restore();
}
console.log(survived === 0 ? `all ${SEEDED_BUGS.length} seeded bugs make a test fail` : `${survived} seeded bug(s) survive`);
process.exit(survived === 0 ? 0 : 1);
