/**
 * How much of a layer's unfolded input the calibration statistics take per image. A layer's Gram costs
 * groups·D²·P multiply-adds per image (D inputs per row, P output positions) and its Hessian groups·D²·8 bytes
 * and a D³ solve: layers with more than `maxInputs` inputs per row are cut by magnitude (a 7×7 conv over 256
 * channels has D = 12 544: a 1.2 GB Hessian and a 2·10¹² solve), and layers whose Gram would exceed `maxMacs` per image keep every
 * f-th position along each spatial axis (the smallest f that fits, but never fewer than `minPositions`).
 * Defaults leave every layer of LeYOLO-Nano at 640 whole (its largest Gram is 1.9·10⁸).
 */
export interface PositionBudget {
  /**
   * Inputs per output row above which a layer gets no statistics (default 1152 = 128 channels × 3×3: the D³
   * factorisations of H run in JavaScript, ~10 s for D = 2304).
   */
  maxInputs?: number;
  /** Gram multiply-adds per image and layer before positions are subsampled (default 2²⁸). */
  maxMacs?: number;
  /** Positions per image a subsampled layer keeps at least (default 64). */
  minPositions?: number;
}

export const DEFAULT_POSITION_BUDGET: Required<PositionBudget> = { maxInputs: 1152, maxMacs: 2 ** 28, minPositions: 64 };

/** Positions kept with every f-th along each axis of `spatial`. */
export const keptPositions = (spatial: readonly number[], f: number): number => spatial.reduce((a, d) => a * Math.ceil(d / f), 1);

/**
 * The subsampling factor for a layer with `groups` groups of `inputs` rows and output `spatial` dims (unknown:
 * undefined → 1), or why it gets no statistics.
 */
export function positionPlan(groups: number, inputs: number, spatial: readonly number[] | undefined, budget: PositionBudget = {}): { subsample: number } | { reason: string } {
  const b = { ...DEFAULT_POSITION_BUDGET, ...budget };
  if (inputs > b.maxInputs) return { reason: `${inputs} inputs per row (more than ${b.maxInputs}): cut by magnitude` };
  if (!spatial || spatial.length === 0) return { subsample: 1 };
  const cost = (f: number) => groups * inputs * inputs * keptPositions(spatial, f);
  let f = 1;
  while (cost(f) > b.maxMacs && keptPositions(spatial, f + 1) >= b.minPositions && keptPositions(spatial, f + 1) < keptPositions(spatial, f)) f++;
  return { subsample: f };
}
