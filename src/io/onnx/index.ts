export * from './bytes.js';
export { loadOnnx, saveOnnx, readInputFile, PROTOBUF_LIMIT } from './file.js';
export type { SaveOptions, SavedFile } from './file.js';
