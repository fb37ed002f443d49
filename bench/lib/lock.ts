/**
 * Hold the machine-wide benchmark lock (`flock /tmp/prunekit-bench.lock`) only while timing: a `flock` child
 * process keeps the lock until its stdin closes. For scripts whose long non-timing phases should not block the
 * other benchmarks.
 *
 * Re-entrant across processes: when the script itself runs under `flock /tmp/prunekit-bench.lock …` (the way the
 * lead re-runs every bench), the lock is held by an ancestor and a second `flock` would wait for it forever — that
 * deadlock is what stopped the first quiet run of bench/optimize.ts in its per-group timing phase. The holder is
 * read from /proc/locks; when it is this process or an ancestor, the measurement runs as is.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

export const BENCH_LOCK = '/tmp/prunekit-bench.lock';

/** Pids holding a FLOCK on the inode of `file` (Linux /proc/locks; empty elsewhere). */
function lockHolders(file: string): number[] {
  try {
    const ino = statSync(file).ino;
    return readFileSync('/proc/locks', 'utf8').split('\n').flatMap((line) => {
      const f = line.trim().split(/\s+/);
      // "1: FLOCK  ADVISORY  WRITE 712 00:2a:1234 0 EOF"; blocked waiters ("1: -> FLOCK …") hold nothing
      if (f[1] !== 'FLOCK') return [];
      const inode = Number(f[5]?.split(':')[2]);
      return inode === ino ? [Number(f[4])] : [];
    });
  } catch {
    return [];
  }
}

/** This process and its ancestors (Linux /proc; just this pid elsewhere). */
function ancestry(): Set<number> {
  const out = new Set<number>([process.pid]);
  let pid = process.ppid;
  for (let guard = 0; pid > 1 && guard < 64; guard++) {
    out.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/** True when this process or one of its ancestors holds the bench lock. */
export function lockHeldByUs(file = BENCH_LOCK): boolean {
  const mine = ancestry();
  return lockHolders(file).some((pid) => mine.has(pid));
}

export async function withBenchLock<T>(measure: () => Promise<T>): Promise<T> {
  if (lockHeldByUs()) return measure();
  const child = spawn('flock', [BENCH_LOCK, 'sh', '-c', 'echo locked; cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = setTimeout(() => console.log(`waiting for ${BENCH_LOCK} (held by pid ${lockHolders(BENCH_LOCK).join(', ') || '?'})`), 5000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`flock exited (${code}) before locking`)));
    });
  } finally {
    clearTimeout(waiting);
  }
  try {
    return await measure();
  } finally {
    child.stdin.end();
  }
}
