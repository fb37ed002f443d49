/**
 * prunekit's provenance records, format-neutral: a record is a JSON object (tool, version, command settings,
 * result) stored under a key `prunekit` — then `prunekit.2`, `prunekit.3`, … for further edits, so every step
 * stays on record. Where the record lives depends on the format (ONNX `metadata_props`, a zip entry of a `.pt`,
 * safetensors `__metadata__`). No date and no paths: the same command writes the same bytes.
 */

/** The prefix of prunekit's provenance keys. */
export const PROVENANCE_KEY = 'prunekit';

/** The version of prunekit written into provenance records. */
export const PRUNEKIT_VERSION = '0.1.0';

const KEY_RE = new RegExp(`^${PROVENANCE_KEY}(\\.[1-9]\\d*)?$`);

/** True for `prunekit`, `prunekit.2`, … */
export const isProvenanceKey = (key: string): boolean => KEY_RE.test(key);

/** The next free provenance key among `taken`: `prunekit`, else `prunekit.2`, `prunekit.3`, … */
export function nextProvenanceKeyAmong(taken: Iterable<string>): string {
  const set = new Set(taken);
  if (!set.has(PROVENANCE_KEY)) return PROVENANCE_KEY;
  let n = 2;
  while (set.has(`${PROVENANCE_KEY}.${n}`)) n++;
  return `${PROVENANCE_KEY}.${n}`;
}

/** A record's stored value: `{"tool":"prunekit","version":…, …fields}` with undefined fields left out. */
export function provenanceValue(fields: Readonly<Record<string, unknown>>): string {
  const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return JSON.stringify({ tool: 'prunekit', version: PRUNEKIT_VERSION, ...clean });
}

/** A stored value parsed (a value that is not JSON stays a string). */
export function parseProvenanceValue(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
