/** safetensors: read, write, rewrite values in place. */
export { readSafetensors, safetensorsTensor, SAFETENSORS_DTYPES, type SafetensorsEntry, type SafetensorsFile } from './format.js';
export { encodeSafetensors, writeSafetensorsWithWeights, type NamedTensorInput } from './write.js';
export { summarizeSafetensors, type SafetensorsSummary } from './summary.js';
