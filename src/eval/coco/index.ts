export type { CocoAnnotation, CocoCategory, CocoCategoryStats, CocoDataset, CocoImage, CocoResult, CocoResultColumns } from './types.js';
export { parseCocoDataset, parseCocoResultColumns, parseCocoResults, toCocoResultColumns } from './parse.js';
export { COCO80_TO_91, coco91ToCoco80 } from './category-map.js';
export { cocoEvaluate, cocoParams, type CocoEvaluateOptions, type CocoEvaluation } from './cocoeval.js';
export type { CocoParams } from './match.js';
export { formatCocoStats, formatStatLine, statSpecs, type StatSpec } from './summarize.js';
