export type { ClassSource, ClassSourceKind } from './class-source.js';
export { listLayers, countNonZero, countNonZeroBytes } from './inventory.js';
export type { LayerOp, ListLayersOptions, WeightLayer, WeightLayout } from './inventory.js';
export { inferShapes } from './shapes.js';
export type { ImageSize, Shape, ShapeInfo, ShapeOptions, ShapeProblem } from './shapes.js';
export { nodeMacs } from './macs.js';
export { indexGraph, resolveIdentity, constantOf, intAttr, intsAttr } from './onnx-graph.js';
export type { GraphIndex } from './onnx-graph.js';
export { modulePathFromNodeName, modulePathFromTensorName, layerIndexOf, isWithin } from './module-path.js';
