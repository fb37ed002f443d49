/**
 * The value forms every command accepts (docs/cli.md, "Flag values"), parsed in one place:
 * - fractions (`--target`, `--channel-ratio`, `--conf`, `--iou`, `--alpha`): `0.1` or `10%`;
 * - counts and numbers (`--runs`, `--calib-images`, `--threads`, `--seconds`): plain decimal numbers;
 * - image sizes (`--imgsz`): `640` (square) or `HEIGHTxWIDTH` such as `480x640` (also `480,640`).
 * Each parser takes the flag name for its message and returns undefined when the flag is absent.
 */
import { UsageError } from '../core/errors.js';

/** An image size in pixels. */
export interface ImageSize { height: number; width: number }

export interface NumberRange {
  integer?: boolean;
  min?: number;
  max?: number;
  /** The upper bound itself is not allowed. */
  maxExclusive?: boolean;
}

function rangeText(r: NumberRange): string {
  const parts = [r.min !== undefined ? `≥ ${r.min}` : '', r.max !== undefined ? `${r.maxExclusive ? '<' : '≤'} ${r.max}` : ''].filter(Boolean);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function checkRange(flag: string, text: string, v: number, r: NumberRange, what: string): number {
  const low = r.min !== undefined && v < r.min;
  const high = r.max !== undefined && (r.maxExclusive ? v >= r.max : v > r.max);
  if ((r.integer && !Number.isInteger(v)) || low || high) throw new UsageError(`--${flag} ${text}: expected ${what}${rangeText(r)}`);
  return v;
}

/** A decimal number (`--seconds 2.5`, `--runs 200`); no units, no hex, no empty string. */
export function parseNumberFlag(flag: string, text: string | undefined, range: NumberRange = {}): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const v = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : NaN;
  const what = range.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(v)) throw new UsageError(`--${flag} ${text}: expected ${what}${rangeText(range)}`);
  return checkRange(flag, text, v, range, what);
}

/** A positive integer count (`--runs`, `--calib-images`, `--threads`). */
export function parseCount(flag: string, text: string | undefined, min = 1): number | undefined {
  return parseNumberFlag(flag, text, { integer: true, min });
}

/**
 * A fraction, written `0.1` or `10%` (= 0.1). Default range [0, 1); `max` and `maxExclusive: false` widen it
 * (e.g. `--conf` allows 1).
 */
export function parseFractionFlag(flag: string, text: string | undefined, range: Omit<NumberRange, 'integer'> = {}): number | undefined {
  if (text === undefined) return undefined;
  const r = { min: range.min ?? 0, max: range.max ?? 1, maxExclusive: range.maxExclusive ?? true };
  const t = text.trim();
  const pct = t.endsWith('%');
  const body = pct ? t.slice(0, -1).trim() : t;
  const n = /^[-+]?(\d+\.?\d*|\.\d+)$/.test(body) ? Number(body) : NaN;
  const what = `a fraction (e.g. 0.1 or 10%) in [${r.min}, ${r.max}${r.maxExclusive ? ')' : ']'}`;
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} ${text}: expected ${what}`);
  // 10% → 0.1 exactly as written (10 / 100, not 10 × 0.01).
  const v = pct ? n / 100 : n;
  if (v < r.min || (r.maxExclusive ? v >= r.max : v > r.max)) throw new UsageError(`--${flag} ${text} is outside [${r.min}, ${r.max}${r.maxExclusive ? ')' : ']'}; expected ${what}`);
  return v;
}

/** `640` or `480x640` (height × width; `X` and `,` work too) → ImageSize. */
export function parseImageSize(flag: string, text: string | undefined): ImageSize | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s*(?:[x,×]\s*(\d+))?\s*$/i.exec(text);
  const height = m ? Number(m[1]) : NaN;
  const width = m?.[2] !== undefined ? Number(m[2]) : height;
  if (!m || !(height > 0) || !(width > 0) || height > 65536 || width > 65536) {
    throw new UsageError(`--${flag} ${text}: expected a size like 640 or HEIGHTxWIDTH such as 480x640`);
  }
  return { height, width };
}

/** The side of a square size (`--imgsz` where only square inputs make sense); UsageError naming `why` otherwise. */
export function squareSide(flag: string, size: ImageSize | undefined, why: string): number | undefined {
  if (size === undefined) return undefined;
  if (size.height !== size.width) throw new UsageError(`--${flag} ${size.height}x${size.width}: ${why}; give one side, e.g. --${flag} ${Math.max(size.height, size.width)}`);
  return size.height;
}
