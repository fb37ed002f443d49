export type { ClassMetrics, CocoStats, DetectionMetrics, ImageDetections, ImageLabels } from './contract.js';
