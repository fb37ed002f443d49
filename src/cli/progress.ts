import type { SingleBar } from 'cli-progress';
import { formatDuration } from '../core/format.js';
import type { CliIO } from './io.js';

/** Progress reported by long library operations: `done` of `total` units, with an optional label. */
export interface Progress { done: number; total: number; label?: string }
export type OnProgress = (p: Progress) => void;

/**
 * Time left, from the rate since the first report of the current phase (a phase ends when the total or the label
 * changes): ` | 12s left`, or nothing while the rate is unknown. cli-progress's own ETA prints `NFs` (its `INF`
 * cut to two characters) when no unit has finished yet.
 */
export function etaText(p: Progress, phase: { t0: number; done0: number }, now: number): string {
  const rate = (p.done - phase.done0) / Math.max(1e-3, (now - phase.t0) / 1000);
  if (!(rate > 0) || p.done >= p.total) return '';
  return ` | ${formatDuration((p.total - p.done) / rate)} left`;
}

/**
 * A progress callback that draws a bar on stderr when it is a terminal and the work lasts over `delayMs`;
 * a no-op otherwise. Call `stop()` when the work ends.
 */
export function progressBar(io: CliIO, title: string, delayMs = 1000): { onProgress: OnProgress; stop(): void } {
  if (!io.interactive) return { onProgress: () => undefined, stop: () => undefined };
  const started = Date.now();
  // Loaded only when a bar may be drawn (~15 ms of start-up otherwise: `prune` in a script never draws one).
  let cliProgress: typeof import('cli-progress') | undefined;
  void import('cli-progress').then((m) => { cliProgress = m.default; }, () => undefined);
  let bar: SingleBar | undefined;
  let phase = { t0: started, done0: 0, total: -1, label: '' };
  return {
    onProgress(p) {
      const now = Date.now();
      const label = p.label ?? '';
      if (p.total !== phase.total || label !== phase.label) phase = { t0: now, done0: p.done, total: p.total, label };
      if (!bar) {
        if (!cliProgress || (now - started < delayMs && p.done < p.total)) return;
        bar = new cliProgress.SingleBar(
          { format: `${title} [{bar}] {value}/{total} {label}{left}`, hideCursor: true, clearOnComplete: true, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total, p.done, { label, left: '' });
      }
      bar.setTotal(p.total);
      bar.update(p.done, { label, left: etaText(p, phase, now) });
    },
    stop() {
      bar?.stop();
    },
  };
}
