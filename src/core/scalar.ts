/** Scalar activation functions shared by the pruning (constant evaluation) and quantization (derived ranges) code. */

/** The logistic function σ(x) = 1 / (1 + e^−x): 0.5 at 0, increasing, 0 at −∞ and 1 at +∞. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
