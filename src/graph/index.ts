export type { ClassSource, ClassSourceKind } from './class-source.js';
export { listLayers, countNonZero } from './inventory.js';
export type { LayerOp, WeightLayer, WeightLayout } from './inventory.js';
export { indexGraph, resolveIdentity, constantOf, intAttr, intsAttr } from './onnx-graph.js';
export type { GraphIndex } from './onnx-graph.js';
export { modulePathFromNodeName, modulePathFromTensorName, layerIndexOf, isWithin } from './module-path.js';
