/** PyTorch `.pt` checkpoints: safe (non-executing) reading, module records, in-place weight rewriting. */
export { readCheckpoint, readCheckpointTensor, storageEntry, type PtCheckpoint } from './checkpoint.js';
export { unpickle, type UnpickleOptions, type UnpickleResult } from './unpickle.js';
export { PyDict, PyGlobal, PyList, PyObject, PyPersistent, PySet, PyTuple, StorageRef, PtTensorRef, type PickleValue } from './pickle-values.js';
export { isModule, moduleStateDict, selectModel, selectedStateDict, walkModules, type ModelSelection, type ModelSource, type ModuleRecord, type NamedTensor } from './modules.js';
export { dtypeOfStorage, materializeTensor } from './tensors.js';
export { writeCheckpointWithWeights, type TensorValues, type WriteCheckpointOptions } from './write.js';
export { findSuspiciousGlobals, suspiciousReason, type SuspiciousGlobal } from './suspicious.js';
export { readZip, entryBytes, type ZipArchive, type ZipEntry } from './zip.js';
export { patchZipEntries } from './zip-patch.js';
export { crc32 } from './crc32.js';
