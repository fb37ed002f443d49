/**
 * The Node file edge: everything that reads or writes files (layered above io/, graph/, prune/ and quantize/,
 * below eval/, bench/, report/, search/ and cli/). The core below takes and returns bytes; the browser page has
 * its own edges (web/src/edges).
 */
export { checkOutput, checkOutputs, canCreateIn, ensureDir, MAX_NEW_LEVELS, type CheckOutputsOptions, type OutputTarget } from './output-path.js';
export { writeFileAtomic, type ByteSink, type FileContent, type WriteFileOptions } from './atomic-write.js';
export { gzipSize, GZIP_AUTO_MAX_BYTES } from './gzip-size.js';
export { loadOnnx, saveOnnx, readInputFile, PROTOBUF_LIMIT } from './onnx-file.js';
export type { SaveOptions, SavedFile } from './onnx-file.js';
export { LOADERS, loadClassSource } from './class-source-file.js';
export type { ClassSourceLoader } from './class-source-file.js';
export { loadPresetConfig } from './preset-config-file.js';
export { pruneFile, resolvePreset } from './prune-file.js';
export type { PruneFileOptions, PruneFileResult } from './prune-file.js';
export { writePatchedOnnx, writeReplaced } from './prune-write.js';
export { pruneCheckpointFile } from './prune-checkpoint-file.js';
export type { PruneCheckpointFileOptions, PruneCheckpointFileResult } from './prune-checkpoint-file.js';
export { pruneChannelsFile } from './structured-prune-file.js';
export type { StructuredFileOptions, StructuredFileResult } from './structured-prune-file.js';
export { quantizeModelFile, AUTO_CANDIDATES } from './quantize-file.js';
export type { AccuracyStep, LatencyProbe, Placement, PlacementCandidate, QuantizeFileOptions, QuantizeFileResult } from './quantize-file.js';
