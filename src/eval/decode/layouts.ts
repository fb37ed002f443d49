/**
 * Detection output layouts and their detection from the output shape plus the class count (from the
 * model's metadata `names`, else the dataset):
 * - `v8`  `[B, 4+nc, N]`: cx cy w h + class scores (YOLOv8/11/13, Ultralytics Detect head)
 * - `v5`  `[B, N, 5+nc]`: cx cy w h, objectness, class scores; score = objectness × class (YOLOv5/7)
 * - `e2e` `[B, K, 6]`:    x1 y1 x2 y2 score class, already suppressed (end-to-end exports, YOLOv10/26)
 */
import { UnsupportedOpError } from '../../core/errors.js';

export type OutputLayout = 'v8' | 'v5' | 'e2e';

export const LAYOUT_DESCRIPTIONS: Readonly<Record<OutputLayout, string>> = {
  v8: '[B,4+nc,N] (YOLOv8/11/13: cx cy w h + class scores)',
  v5: '[B,N,5+nc] (YOLOv5/7: cx cy w h, objectness, class scores)',
  e2e: '[B,K,6] (end-to-end: x1 y1 x2 y2 score class)',
};

export const OUTPUT_LAYOUTS: readonly OutputLayout[] = ['v8', 'v5', 'e2e'];

export interface ResolvedLayout {
  layout: OutputLayout;
  /** Number of classes the output carries (for e2e: the expected count, from metadata or dataset). */
  numClasses: number;
  /** Boxes / rows per image: N for v8/v5, K for e2e. */
  count: number;
}

function shapeText(dims: readonly (number | string)[]): string {
  return `[${dims.join(',')}]`;
}

function unsupported(dims: readonly (number | string)[], output: string, why: string): UnsupportedOpError {
  const list = OUTPUT_LAYOUTS.map((l) => `${l} ${LAYOUT_DESCRIPTIONS[l]}`).join('; ');
  return new UnsupportedOpError(`output '${output}' has shape ${shapeText(dims)}: ${why}; supported layouts: ${list}; pass --layout v8|v5|e2e if detection guessed wrong`, output);
}

/** Shape of one image's output as [rows, cols], accepting a leading batch of 1. */
function core(dims: readonly (number | string)[], output: string): [number, number] {
  const d = dims.length === 3 ? dims.slice(1) : dims.length === 2 ? dims : undefined;
  if (!d || (dims.length === 3 && dims[0] !== 1 && typeof dims[0] === 'number')) throw unsupported(dims, output, 'expected rank 3 with batch 1');
  const [a, b] = d;
  if (typeof a !== 'number' || typeof b !== 'number' || a <= 0 || b <= 0) throw unsupported(dims, output, 'dims must be known numbers');
  return [a, b];
}

/**
 * Resolve the layout of a detection output. `numClasses` is the class count the caller expects (metadata
 * names, else dataset), `override` the user's `--layout`.
 */
export function resolveLayout(dims: readonly (number | string)[], options: { numClasses?: number; override?: OutputLayout; output?: string } = {}): ResolvedLayout {
  const output = options.output ?? 'output0';
  const [a, b] = core(dims, output);
  const nc = options.numClasses;
  const make = (layout: OutputLayout): ResolvedLayout => {
    switch (layout) {
      case 'v8':
        if (a <= 4) throw unsupported(dims, output, `layout v8 needs more than 4 rows`);
        return { layout, numClasses: a - 4, count: b };
      case 'v5':
        if (b <= 5) throw unsupported(dims, output, `layout v5 needs more than 5 columns`);
        return { layout, numClasses: b - 5, count: a };
      case 'e2e':
        if (b !== 6) throw unsupported(dims, output, `layout e2e needs 6 columns`);
        return { layout, numClasses: nc ?? 0, count: a };
    }
  };
  if (options.override) return make(options.override);
  if (nc !== undefined) {
    if (a === 4 + nc && b > a) return make('v8');
    if (b === 6 && a <= 1000) return make('e2e');
    if (b === 5 + nc) return make('v5');
    throw unsupported(dims, output, `matches no layout for ${nc} classes (4+nc=${4 + nc} rows, 5+nc=${5 + nc} or 6 columns)`);
  }
  if (b === 6 && a <= 1000) return make('e2e');
  if (a > 4 && b > a) return make('v8');
  if (b > 5 && a > b) return make('v5');
  throw unsupported(dims, output, 'matches no layout');
}
