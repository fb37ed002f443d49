/**
 * When `optimize` accepts a candidate, and which accepted candidate it writes.
 *
 * Accuracy: a candidate is accepted when the one-sided upper confidence bound of its drop (paired bootstrap over
 * the search images, bootstrap.ts) is within the threshold, budget × (1 − margin). While searching, each candidate
 * is tested at the plain level (it steers the bisection and the back-off); the *written* point is the best of all
 * the verified ones, so at the end every verified candidate is tested again at the Bonferroni-corrected level
 * 1 − (1 − confidence) / family, family = the number of candidates verified. `confidence: null` is the old rule:
 * the point estimate against the threshold.
 *
 * Speed: a compressed candidate replaces the current point (the original first) only when it is faster than it
 * with the whole 95% interval of the paired speed-up above 1; otherwise the current, more accurate point is kept.
 */
import type { RatioEstimate } from '../bench/index.js';
import { correctedLevel, upperBound } from './bootstrap.js';

export interface Acceptance {
  /** One-sided confidence of the bound, e.g. 0.9; null = the point estimate (no bootstrap). */
  confidence: number | null;
  /** The bound must be ≤ this: budget × (1 − margin). */
  threshold: number;
}

/** A verified drop: the point estimate and, when bootstrapped, the sorted replicate drops. */
export interface MeasuredDrop { drop: number; drops?: Float64Array }

/** Default one-sided confidence (see docs/optimize.md, "Acceptance"). */
export const DEFAULT_CONFIDENCE = 0.9;

/** The bound a candidate is judged by, among `family` verified candidates (1 = no selection correction). */
export function dropBound(d: MeasuredDrop, confidence: number | null, family = 1): number {
  if (confidence === null || !d.drops || d.drops.length === 0) return d.drop;
  return upperBound(d.drops, correctedLevel(confidence, family));
}

/** True when a drop (or its bound) is within `threshold`: exactly at it holds; 1e-12 absorbs rounding. */
export function within(drop: number, threshold: number): boolean {
  return drop <= threshold + 1e-12;
}

/** True when the bound is within the threshold ({@link within}). */
export function accepts(d: MeasuredDrop, a: Acceptance, family = 1): boolean {
  return within(dropBound(d, a.confidence, family), a.threshold);
}

/**
 * The speed rule. `items[0]` is the starting point (the original: always eligible); `compare(i, j)` is the
 * paired speed-up of j over i (> 1: j faster) with its CI. From the current point, move to the most accurate
 * (smallest drop; ties: the larger speed-up) eligible item that is measurably faster than it — the whole CI of
 * its speed-up above 1 — and repeat until none is. So a less accurate point replaces a more accurate one only
 * for a speed-up that is really there. Returns the index kept. Medians strictly decrease along the moves, so it ends.
 */
export function pickFaster(items: ReadonlyArray<{ eligible: boolean; drop: number }>, compare: (from: number, to: number) => RatioEstimate): number {
  let cur = 0;
  for (let step = 0; step < items.length; step++) {
    let next = -1;
    let best: RatioEstimate | undefined;
    items.forEach((it, j) => {
      if (j === cur || !it.eligible) return;
      const e = compare(cur, j);
      if (!(e.ciLow > 1)) return;
      if (!best || it.drop < items[next]!.drop || (it.drop === items[next]!.drop && e.ratio > best.ratio)) {
        best = e;
        next = j;
      }
    });
    if (next < 0) break;
    cur = next;
  }
  return cur;
}
