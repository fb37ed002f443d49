/**
 * The one number convention of every prunekit output (CLI text, Markdown and HTML reports, the web page). Pure and
 * browser-safe. The rules (docs/cli.md "Numbers"):
 * - accuracy (P, R, mAP50, mAP50-95) is a fraction with 3 decimals, as Ultralytics prints it: `0.589`;
 * - thousands separators in every number: `1,234,567`, `12,345.6`;
 * - a real minus sign (U+2212), never a hyphen; a value that rounds to zero prints without a sign (`0.000`,
 *   never `-0.0` or `−0.000`);
 * - a change (gain, delta) carries `+` when positive, `−` when negative, neither when it rounds to zero;
 * - a value that is not a number (NaN, ±Infinity, null) prints as `–`.
 */

/** U+2212 MINUS SIGN. */
export const MINUS = '\u2212';
/** Printed where a value is missing or not finite. */
export const MISSING = '–';

const GROUP = /\B(?=(\d{3})+(?!\d))/g;

function group(intPart: string): string {
  return intPart.length > 3 ? intPart.replace(GROUP, ',') : intPart;
}

/** `|v|` with exactly `digits` decimals and thousands separators, no sign. Valid for any finite `v`. */
function magnitude(abs: number, digits: number): string {
  let s = abs.toFixed(digits);
  // toFixed switches to exponent notation from 1e21: spell the integer out instead.
  if (s.includes('e')) s = BigInt(Math.round(abs)).toString() + (digits > 0 ? `.${'0'.repeat(digits)}` : '');
  const dot = s.indexOf('.');
  return dot < 0 ? group(s) : `${group(s.slice(0, dot))}${s.slice(dot)}`;
}

const isZero = (s: string): boolean => !/[1-9]/.test(s);

/** A number with `digits` decimals (default 0): `−1,234.5`; `0.0` for −0.01 at 1 decimal; `–` when not finite. */
export function formatNumber(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  const m = magnitude(Math.abs(v), digits);
  return v < 0 && !isZero(m) ? `${MINUS}${m}` : m;
}

/** A change: `+1.5`, `−1.5`, or `0.0` when it rounds to zero at `digits` decimals. */
export function formatSigned(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  const m = magnitude(Math.abs(v), digits);
  if (isZero(m)) return m;
  return `${v < 0 ? MINUS : '+'}${m}`;
}

/** An integer count with separators: `1,234,567` (rounded). */
export function formatCount(n: number | null | undefined): string {
  return formatNumber(n, 0);
}

/** An accuracy value (P, R, mAP) as a fraction, 3 decimals by default: `0.589`. */
export function formatFraction(v: number | null | undefined, digits = 3): string {
  return formatNumber(v, digits);
}

/** A fraction as a percentage: 0.1234 → `12.3%`. */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  const s = formatNumber(fraction === null || fraction === undefined ? fraction : fraction * 100, digits);
  return s === MISSING ? s : `${s}%`;
}

/** A change given as a fraction, as signed percentage points of 100: 0.05 → `+5.0%`. */
export function formatSignedPercent(fraction: number | null | undefined, digits = 1): string {
  const s = formatSigned(fraction === null || fraction === undefined ? fraction : fraction * 100, digits);
  return s === MISSING ? s : `${s}%`;
}

/** Relative change `(candidate − base) / base`: `+3.2%`, `−4.0%`, `0.0%`; `–` when the base is 0 or missing. */
export function formatRelative(base: number | null | undefined, candidate: number | null | undefined, digits = 1): string {
  if (base === null || base === undefined || candidate === null || candidate === undefined || base === 0) return MISSING;
  if (!Number.isFinite(base) || !Number.isFinite(candidate)) return MISSING;
  return formatSignedPercent((candidate - base) / Math.abs(base), digits);
}

/** Change of an accuracy fraction, absolute and relative: 0.5 → 0.48 gives `−0.020 (−4.0%)`. */
export function formatFractionDelta(base: number, candidate: number, digits = 3): string {
  if (!Number.isFinite(base) || !Number.isFinite(candidate)) return MISSING;
  return `${formatSigned(candidate - base, digits)} (${formatRelative(base, candidate)})`;
}

/** A size in bytes, binary units: `915.7 KiB`, `27.9 MiB`, `1.25 GiB`, `512 B`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return MISSING;
  const abs = Math.abs(bytes);
  const sign = bytes < 0 ? MINUS : '';
  if (abs >= 1024 ** 3) return `${sign}${formatNumber(abs / 1024 ** 3, 2)} GiB`;
  if (abs >= 1024 ** 2) return `${sign}${formatNumber(abs / 1024 ** 2, 1)} MiB`;
  if (abs >= 1024) return `${sign}${formatNumber(abs / 1024, 1)} KiB`;
  return `${sign}${formatNumber(abs, 0)} B`;
}

/** A large count compactly: `1.23 G`, `4.50 M`, `12.3 k`, `999`. */
export function formatCompact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return MISSING;
  const a = Math.abs(n);
  const sign = n < 0 && Math.round(a) !== 0 ? MINUS : '';
  if (a >= 1e9) return `${sign}${formatNumber(a / 1e9, 2)} G`;
  if (a >= 1e6) return `${sign}${formatNumber(a / 1e6, 2)} M`;
  if (a >= 1e3) return `${sign}${formatNumber(a / 1e3, 1)} k`;
  return `${sign}${formatNumber(a, 0)}`;
}

/** Milliseconds with 3 significant-ish decimals: `123.4`, `12.34`, `1.234`. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return MISSING;
  const a = Math.abs(ms);
  return formatNumber(ms, a >= 100 ? 1 : a >= 10 ? 2 : 3);
}

/** A ratio such as a speed-up: `1.13×`. */
export function formatRatio(v: number | null | undefined, digits = 2): string {
  const s = formatNumber(v, digits);
  return s === MISSING ? s : `${s}×`;
}

/** Change of a count or size with the relative change: `−1,024 (−12.5%)`, `0 (0.0%)`. */
export function formatCountDelta(
  base: number | null | undefined, candidate: number | null | undefined, fmt: (n: number) => string = formatCount,
): string {
  if (base === null || base === undefined || candidate === null || candidate === undefined) return MISSING;
  if (!Number.isFinite(base) || !Number.isFinite(candidate)) return MISSING;
  const d = candidate - base;
  const m = fmt(Math.abs(d));
  const abs = d === 0 || isZero(m) ? m : `${d > 0 ? '+' : MINUS}${m}`;
  return `${abs} (${formatRelative(base, candidate)})`;
}

/** Fraction of zeros `1 − nonZero / params` as a percentage: `10.0%`; `–` when unknown or `params` is 0. */
export function formatSparsity(params: number | null | undefined, nonZero: number | null | undefined, digits = 1): string {
  if (params === null || params === undefined || nonZero === null || nonZero === undefined || params === 0) return MISSING;
  return formatPercent((params - nonZero) / params, digits);
}

/** A duration for humans: `7s`, `45s`, `2m05s`, `1h03m`; `–` when not finite or negative. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return MISSING;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${pad(m % 60)}m`;
}
