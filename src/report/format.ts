/** Number formatting shared by the renderers. Pure. */

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 100) return ms.toFixed(1);
  if (ms >= 10) return ms.toFixed(2);
  return ms.toFixed(3);
}

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  const sign = bytes < 0 ? '-' : '';
  if (abs >= 1024 ** 3) return `${sign}${(abs / 1024 ** 3).toFixed(2)} GiB`;
  if (abs >= 1024 ** 2) return `${sign}${(abs / 1024 ** 2).toFixed(1)} MiB`;
  if (abs >= 1024) return `${sign}${(abs / 1024).toFixed(1)} KiB`;
  return `${sign}${abs} B`;
}

/** 1234567 → `1,234,567`; null → `–`. */
export function formatCount(n: number | null): string {
  return n === null || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');
}

/** Large counts compactly: 1.23 G, 4.5 M, 12.3 k. */
export function formatCompact(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

/** A metric fraction as a percentage with 1 decimal: 0.4567 → `45.7`. */
export function formatMetric(v: number): string {
  return Number.isFinite(v) ? (v * 100).toFixed(1) : '–';
}

function signed(v: number, digits: number): string {
  const s = v.toFixed(digits);
  if (Number(s) === 0) return (0).toFixed(digits);
  return v > 0 ? `+${s}` : s.replace('-', '−');
}

/** Relative change `(candidate − base) / base` as `+3.2%`; `–` when the base is 0. */
export function formatRelative(base: number, candidate: number): string {
  if (base === 0 || !Number.isFinite(base) || !Number.isFinite(candidate)) return '–';
  if (candidate === base) return '±0%';
  return `${signed(((candidate - base) / base) * 100, 1)}%`;
}

/** Change of a metric fraction in points: 0.45 → 0.43 gives `−2.0 pts (−4.4%)`. */
export function formatMetricDelta(base: number, candidate: number): string {
  return `${signed((candidate - base) * 100, 1)} pts (${formatRelative(base, candidate)})`;
}

/** Change of a count or size, with the relative change: `−1,024 (−12.5%)`. */
export function formatCountDelta(base: number | null, candidate: number | null, fmt: (n: number) => string = formatCount): string {
  if (base === null || candidate === null) return '–';
  const d = candidate - base;
  const abs = d === 0 ? '±0' : d > 0 ? `+${fmt(d)}` : `−${fmt(-d)}`;
  return `${abs} (${formatRelative(base, candidate)})`;
}

/** Fraction of zeros: 1 − nonZero / params, as a percentage string. */
export function formatSparsity(params: number | null, nonZero: number | null): string {
  if (params === null || nonZero === null || params === 0) return '–';
  return `${(((params - nonZero) / params) * 100).toFixed(1)}%`;
}
