export type { ClassMetrics, CocoStats, DetectionMetrics, ImageDetections, ImageLabels } from './contract.js';
export * from './metrics/index.js';
export * from './coco/index.js';
