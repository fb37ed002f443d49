/**
 * Where module classes come from. A layer's module path (`model.9.branch1.m.cv1.conv`) says nothing about its
 * class; a ClassSource answers "which classes enclose this path", from real structure: an Ultralytics model
 * yaml, the `.pt` module tree, ONNX metadata, or (last) name rules. Sources are pluggable; the pruning policy
 * only sees the resulting class chain and which source produced it.
 */
export type ClassSourceKind = 'pt' | 'yaml' | 'onnx-metadata' | 'name-rules';

export interface ClassSource {
  readonly kind: ClassSourceKind;
  /** Human description for reports, e.g. `yaml ../configs/yolov13_lsnet.yaml (33 layers)`. */
  readonly description: string;
  /**
   * Class chain of the module at `modulePath`, outermost first, including the module itself when known
   * (e.g. `['TokenC3', 'LSConv', 'Conv2d']`). Undefined when this source knows nothing about the path.
   * Paths are ONNX-derived module paths with BN folded (`model.0.conv`).
   */
  classChain(modulePath: string): readonly string[] | undefined;
}
