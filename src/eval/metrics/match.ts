/**
 * Ultralytics' per-image matching (`DetectionValidator._process_batch` → `BaseValidator.match_predictions`,
 * the default non-scipy branch), with IoUs computed in float32 as torch's `box_iou` does.
 *
 * What the numpy code does, restated: at each IoU threshold, every detection keeps its single best
 * same-class label (highest IoU, ≥ threshold), and every label is then credited to the FIRST detection (lowest
 * index = highest score) among those whose best label it is. Because "best label" does not depend on the
 * threshold (only whether its IoU passes it), the best label is computed once per detection.
 */

const f32 = Math.fround;
/** torch `box_iou` eps (1e-7, as float32). */
const EPS32 = f32(1e-7);

/** `torch.linspace(start, end, steps)` in float32 (scalar CPU kernel: first half from start, second from end). */
export function torchLinspaceF32(start: number, end: number, steps: number): Float64Array {
  const s = f32(start);
  const e = f32(end);
  const out = new Float64Array(steps);
  if (steps === 1) {
    out[0] = s;
    return out;
  }
  const step = f32(f32(e - s) / (steps - 1));
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) out[i] = i < half ? f32(s + f32(step * i)) : f32(e - f32(step * (steps - i - 1)));
  return out;
}

/** Ultralytics' default IoU thresholds 0.50:0.05:0.95 (float32 values, as `self.iouv`). */
export const ULTRALYTICS_IOU_THRESHOLDS: Float64Array = torchLinspaceF32(0.5, 0.95, 10);

/** IoU of label `g` (boxes `a`) and detection `p` (boxes `b`), x1 y1 x2 y2, evaluated in float32 like torch. */
export function boxIouF32(a: Float32Array, g: number, b: Float32Array, p: number): number {
  const ax1 = a[g * 4]!, ay1 = a[g * 4 + 1]!, ax2 = a[g * 4 + 2]!, ay2 = a[g * 4 + 3]!;
  const bx1 = b[p * 4]!, by1 = b[p * 4 + 1]!, bx2 = b[p * 4 + 2]!, by2 = b[p * 4 + 3]!;
  const w = Math.max(f32(Math.min(ax2, bx2) - Math.max(ax1, bx1)), 0);
  const h = Math.max(f32(Math.min(ay2, by2) - Math.max(ay1, by1)), 0);
  const inter = f32(w * h);
  const areaA = f32(f32(ax2 - ax1) * f32(ay2 - ay1));
  const areaB = f32(f32(bx2 - bx1) * f32(by2 - by1));
  return f32(inter / f32(f32(f32(areaA + areaB) - inter) + EPS32));
}

/**
 * Marks true positives of one image. Detections are taken in the given `order` (must be by descending score,
 * as NMS returns them). Writes `tp[(offset + i) * T + t] = 1` for the i-th detection of `order` at threshold t.
 *
 * @param labelBoxes [G,4] x1 y1 x2 y2 px  @param labelClasses [G]
 * @param detBoxes [K,4] x1 y1 x2 y2 px    @param detClasses [K]
 */
export function matchImage(
  labelBoxes: Float32Array, labelClasses: Int32Array, labelRows: Int32Array,
  detBoxes: Float32Array, detClasses: Int32Array, order: Int32Array,
  thresholds: Float64Array, tp: Uint8Array, offset: number,
): void {
  const T = thresholds.length;
  const G = labelRows.length;
  if (G === 0) return;
  const claimed = new Uint8Array(G * T);
  for (let i = 0; i < order.length; i++) {
    const p = order[i]!;
    const cls = detClasses[p]!;
    let best = -1;
    let bestIou = 0;
    for (let j = 0; j < G; j++) {
      const g = labelRows[j]!;
      if (labelClasses[g] !== cls) continue;
      const v = boxIouF32(labelBoxes, g, detBoxes, p);
      // Ties keep the later label: numpy's reversed ascending argsort puts equal IoUs in reverse index order.
      if (v >= bestIou && v > 0) {
        best = j;
        bestIou = v;
      }
    }
    if (best < 0) continue;
    const row = (offset + i) * T;
    for (let t = 0; t < T; t++) {
      if (bestIou >= thresholds[t]! && !claimed[best * T + t]) {
        claimed[best * T + t] = 1;
        tp[row + t] = 1;
      }
    }
  }
}
