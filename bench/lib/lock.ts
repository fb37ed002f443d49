/**
 * Hold the machine-wide benchmark lock (`flock /tmp/prunekit-bench.lock`) only while timing: a `flock` child
 * process keeps the lock until its stdin closes. For scripts whose long non-timing phases should not block the
 * other benchmarks.
 */
import { spawn } from 'node:child_process';

export const BENCH_LOCK = '/tmp/prunekit-bench.lock';

export async function withBenchLock<T>(measure: () => Promise<T>): Promise<T> {
  const child = spawn('flock', [BENCH_LOCK, 'sh', '-c', 'echo locked; cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`flock exited (${code}) before locking`)));
  });
  try {
    return await measure();
  } finally {
    child.stdin.end();
  }
}
