/**
 * Alphabetical order of identifiers as `localeCompare` gives it in English (ICU's root collation), without loading
 * ICU: its first use costs ~6–13 ms of CPU (locale and collation data), a few percent of a one-shot
 * `prunekit inspect best.pt`. For strings made only of `0-9 A-Z a-z _ .` (Python qualified names) the order is
 * root's: `_` < `.` < digits < letters, letters case-blind first (`conv` < `Conv` < `conv2d`), then lowercase
 * before uppercase at the first case difference. Any other character hands the pair to `localeCompare`.
 */

/** Primary weight per ASCII code in root collation; 0 = not in the set handled here. */
const PRIMARY = (() => {
  const w = new Uint8Array(128);
  w[0x5f] = 1; // _
  w[0x2e] = 2; // .
  for (let d = 0; d < 10; d++) w[0x30 + d] = 3 + d;
  for (let l = 0; l < 26; l++) {
    w[0x61 + l] = 13 + l;
    w[0x41 + l] = 13 + l;
  }
  return w;
})();

function handled(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || PRIMARY[c] === 0) return false;
  }
  return true;
}

/** Negative, zero or positive as `a` sorts before, with or after `b` (the sign `a.localeCompare(b)` has in English). */
export function compareIdentifiers(a: string, b: string): number {
  if (!handled(a) || !handled(b)) return a.localeCompare(b);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = PRIMARY[a.charCodeAt(i)]! - PRIMARY[b.charCodeAt(i)]!;
    if (d !== 0) return d;
  }
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < n; i++) {
    const upperA = a.charCodeAt(i) <= 0x5a ? 1 : 0; // same primary: both letters of one case pair, or equal
    const upperB = b.charCodeAt(i) <= 0x5a ? 1 : 0;
    if (upperA !== upperB) return upperA - upperB;
  }
  return 0;
}
