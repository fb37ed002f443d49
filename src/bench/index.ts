export { benchmarkModels, benchLabels } from './benchmark.js';
export { benchmarkSources } from './measure.js';
export type { BenchHost, BenchSource } from './measure.js';
export type { BenchComparison, BenchModelSpec, BenchOptions, BenchResult, ModelBench } from './benchmark.js';
export { resolveInputDims, syntheticFeeds, syntheticTensor } from './inputs.js';
export type { InputShapeOptions } from './inputs.js';
export { measureInterleaved } from './loop.js';
export type { LoopOptions, LoopProgress, LoopResult, TimedRunner } from './loop.js';
export {
  mean, median, pairedRatioOfMedians, quantile, quantileSorted, ratioVerdict, seededRandom, summarizeLatency,
} from './stats.js';
export type { BootstrapOptions, LatencySummary, RatioEstimate } from './stats.js';
