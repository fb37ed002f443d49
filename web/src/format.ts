/** Number and HTML formatting shared by the page's views. */
export const fmt = (n: number): string => n.toLocaleString('en-US');
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
export const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
export const big = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(3)} G` : n >= 1e5 ? `${(n / 1e6).toFixed(3)} M` : fmt(n));
export const mb = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;
