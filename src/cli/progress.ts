import cliProgress from 'cli-progress';
import type { CliIO } from './io.js';

/** Progress reported by long library operations: `done` of `total` units, with an optional label. */
export interface Progress { done: number; total: number; label?: string }
export type OnProgress = (p: Progress) => void;

/**
 * A progress callback that draws a bar on stderr when it is a terminal and the work lasts over `delayMs`;
 * a no-op otherwise. Call `stop()` when the work ends.
 */
export function progressBar(io: CliIO, title: string, delayMs = 1000): { onProgress: OnProgress; stop(): void } {
  if (!io.interactive) return { onProgress: () => undefined, stop: () => undefined };
  const started = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress(p) {
      if (!bar) {
        if (Date.now() - started < delayMs && p.done < p.total) return;
        bar = new cliProgress.SingleBar(
          { format: `${title} [{bar}] {value}/{total} {label} | {eta_formatted} left`, hideCursor: true, clearOnComplete: true, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total, p.done, { label: p.label ?? '' });
      }
      bar.setTotal(p.total);
      bar.update(p.done, { label: p.label ?? '' });
    },
    stop() {
      bar?.stop();
    },
  };
}
