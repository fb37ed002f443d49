export { checkOutput, checkOutputs, canCreateIn, ensureDir, MAX_NEW_LEVELS, type CheckOutputsOptions, type OutputTarget } from './output-path.js';
export { writeFileAtomic, type ByteSink, type FileContent, type WriteFileOptions } from './atomic-write.js';
export { gzipSize, GZIP_AUTO_MAX_BYTES } from './gzip-size.js';
