export type { ClassMetrics, CocoStats, DetectionMetrics, ImageDetections, ImageLabels } from './contract.js';
export * from './metrics/index.js';
export * from './coco/index.js';
export * from './dataset/index.js';
export * from './preprocess/index.js';
export * from './decode/index.js';
export * from './nms/index.js';
export { createPredictor, modelInfoOf, type ModelInfo, type Predictor, type PredictorOptions, type Prediction } from './predictor.js';
export { postprocessOutput, type PostprocessSpec, type RawOutput } from './postprocess.js';
export { openPostprocessQueue, type PostprocessQueue, type PostprocessResult } from './postprocess-queue.js';
export { toCocoResults, cocoEvaluationInput, type CocoPrediction } from './coco-results.js';
export { runValidation, inThreadPostprocess, groundTruth, type ValidationSetup, type PostprocessSink } from './validate-run.js';
export { validate, defaultWorkers, defaultPostprocessWorkers, readModelInfo, type ValidateOptions, type ValidateProgress, type ValidationResult, type StageSpeed, type MetricMode } from './validate.js';
export {
  openCalibrationImages, calibrationImagePaths, resolveCalibrationImages, validationOverlap, type CalibrationImages, type CalibrationImagesOptions, type CalibrationAugment,
  calibrationAugments, CALIBRATION_AUGMENTS, SCALE_AUGMENT,
  type CalibrationPaths,
} from './calibration.js';
