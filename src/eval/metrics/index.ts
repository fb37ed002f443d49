export { computeDetectionMetrics, type DetectionMetricsInput } from './detection-metrics.js';
export { apPerClass, computeAp, smooth, CURVE_X, type ApPerClassInput, type ApPerClassResult, type ApResult } from './ap.js';
export { boxIouF32, matchImage, torchLinspaceF32, ULTRALYTICS_IOU_THRESHOLDS } from './match.js';
export { interp1, linspace, pairwiseSum, trapezoid } from './numeric.js';
export { argsortDescending, bucketSort } from './sort.js';
