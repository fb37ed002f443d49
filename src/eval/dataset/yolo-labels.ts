/**
 * YOLO txt label files, checked the way Ultralytics' `verify_image_label` checks them: rows `cls cx cy w h`
 * (normalised); when any row has more than 6 values every row is a polygon (`cls x1 y1 x2 y2 …`) and becomes its
 * bounding box; coordinates must lie in [0, 1], class ids below `nc`; exact duplicate rows are removed (and the
 * rows then come out sorted, as `np.unique` returns them). Values are float32, as Ultralytics reads them.
 */

/** Coordinates may exceed [0, 1] by this much (float noise from exporters) before the image is rejected. */
export const COORD_TOLERANCE = 1e-6;

export interface YoloLabelRows {
  /** [N] class index. */
  classes: Int32Array;
  /** [N,4] cx cy w h normalised. */
  boxesCxcywh: Float32Array;
  /** Exact duplicate rows removed. */
  duplicatesRemoved: number;
  /** True when the file held polygon (segment) rows, turned into boxes. */
  fromPolygons: boolean;
}

export type LabelParseResult = { ok: true; rows: YoloLabelRows } | { ok: false; reason: string };

const f32 = Math.fround;

function polygonToBox(coords: readonly number[]): [number, number, number, number] {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (let i = 0; i < coords.length; i += 2) {
    const x = coords[i]!, y = coords[i + 1]!;
    if (x < x1) x1 = x;
    if (x > x2) x2 = x;
    if (y < y1) y1 = y;
    if (y > y2) y2 = y;
  }
  return [f32(f32(x1 + x2) / 2), f32(f32(y1 + y2) / 2), f32(x2 - x1), f32(y2 - y1)];
}

function compareRows(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Parse and check the text of one label file against `nc` classes. Empty text = background image. */
export function parseYoloLabels(text: string, nc: number): LabelParseResult {
  const lines = text.trim().split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const tokens = lines.map((l) => l.split(/\s+/));
  const values: number[][] = [];
  for (const [i, t] of tokens.entries()) {
    const row = t.map((s) => f32(Number(s)));
    if (row.some((v) => !Number.isFinite(v))) return { ok: false, reason: `row ${i + 1} has a value that is not a number: '${lines[i]}'` };
    values.push(row);
  }
  const polygons = values.some((r) => r.length > 6);
  let rows: number[][];
  if (polygons) {
    rows = [];
    for (const [i, r] of values.entries()) {
      const coords = r.slice(1);
      if (coords.length < 2 || coords.length % 2 !== 0) {
        return { ok: false, reason: `row ${i + 1}: a polygon row needs an even number (≥ 2) of coordinates after the class, got ${coords.length}` };
      }
      rows.push([r[0]!, ...polygonToBox(coords)]);
    }
  } else {
    const bad = values.findIndex((r) => r.length !== 5);
    if (bad >= 0) return { ok: false, reason: `row ${bad + 1}: labels require 5 columns (cls cx cy w h), ${values[bad]!.length} columns detected` };
    rows = values;
  }
  for (const [i, r] of rows.entries()) {
    const cls = r[0]!;
    if (r.slice(1).some((v) => v > 1 + COORD_TOLERANCE)) return { ok: false, reason: `row ${i + 1}: non-normalized or out of bounds coordinates (> 1): '${lines[i]}'` };
    if (r.some((v) => v < -COORD_TOLERANCE)) return { ok: false, reason: `row ${i + 1}: negative label values: '${lines[i]}'` };
    if (Math.trunc(cls) >= nc) return { ok: false, reason: `row ${i + 1}: label class ${Math.trunc(cls)} exceeds dataset class count ${nc} (valid classes 0-${nc - 1})` };
  }
  let duplicatesRemoved = 0;
  const seen = new Set(rows.map((r) => r.join(' ')));
  if (seen.size < rows.length) {
    duplicatesRemoved = rows.length - seen.size;
    const unique = new Map<string, number[]>();
    for (const r of rows) if (!unique.has(r.join(' '))) unique.set(r.join(' '), r);
    rows = [...unique.values()].sort(compareRows);
  }
  const classes = new Int32Array(rows.length);
  const boxesCxcywh = new Float32Array(rows.length * 4);
  rows.forEach((r, i) => {
    classes[i] = Math.trunc(r[0]!);
    boxesCxcywh.set(r.slice(1, 5), i * 4);
  });
  return { ok: true, rows: { classes, boxesCxcywh, duplicatesRemoved, fromPolygons: polygons } };
}

/** Ultralytics' label path for an image: the last `/images/` becomes `/labels/`, the extension `.txt`. */
export function labelPathFor(imagePath: string, sep = '/'): string {
  const sa = `${sep}images${sep}`;
  const at = imagePath.lastIndexOf(sa);
  const swapped = at >= 0 ? `${imagePath.slice(0, at)}${sep}labels${sep}${imagePath.slice(at + sa.length)}` : imagePath;
  const dot = swapped.lastIndexOf('.');
  const slash = swapped.lastIndexOf(sep);
  return (dot > slash ? swapped.slice(0, dot) : swapped) + '.txt';
}
