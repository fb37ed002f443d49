/** Number and HTML formatting shared by the page's views: the CLI's number convention (src/core/format.ts). */
import { formatBytes, formatCompact, formatCount, formatFraction, formatMs, formatNumber, formatPercent } from '../../src/core/format.js';

export const fmt = (n: number): string => formatCount(n);
export const pct = (x: number): string => formatPercent(x);
export const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
export const big = (n: number): string => formatCompact(n);
export const mb = (b: number): string => formatBytes(b);
export { formatFraction, formatMs, formatNumber };
