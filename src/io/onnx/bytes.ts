/** Everything of io/onnx that works on bytes in memory (no file access): what the browser build may import. */
export { parseOnnx, serializeOnnx, serializeOnnxChunks, tensorRefs, getTensor, withTensorValues, withProto, opsetOf } from './model.js';
export type { BytePatch, OnnxModel, TensorRef } from './model.js';
export { readTensor, withValues, makeTensorProto, tensorDims, tensorDType, isExternal, tensorRawBytes, checkedDims, typedField } from './tensor.js';
export type { ExternalReader } from './tensor.js';
export { parseUltralyticsMetadata, modelInputs, modelOutputs, valueSpecs } from './metadata.js';
export type { UltralyticsMetadata, ValueSpec } from './metadata.js';
export { parsePyLiteral, PyLiteralError } from './pyliteral.js';
export type { PyValue } from './pyliteral.js';
export { shallowCopy } from './proto-util.js';
export { ONNX_DTYPE, DTYPE_ONNX, onnxDTypeName } from './dtypes.js';
export { inFile } from './errors.js';
export { attrInt, attrInts, attrString, makeNode, makeTensor, int64Tensor, makeValueInfo } from './build.js';
export { concatChunks, metadataEntryBytes, nextProvenanceKey, readProvenance, serializeWithMetadata, PROVENANCE_KEY, PRUNEKIT_VERSION } from './provenance.js';
export { countStoredNonZero, toSparseTensor, toDenseTensor, withDenseInitializers, denseProtoBytes, sparseProtoBytes } from './sparse.js';
export type { ZeroCount } from './sparse.js';
