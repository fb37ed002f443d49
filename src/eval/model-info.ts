/** What validation reads from a model: class names and input size (Ultralytics metadata), input/output names. */
import { ModelFormatError, UsageError } from '../core/errors.js';
import { modelPrecision } from '../graph/precision.js';
import { parseUltralyticsMetadata } from '../io/onnx/metadata.js';
import type { OnnxModel } from '../io/onnx/model.js';

export interface ModelInfo {
  /** Class names from metadata, index order; undefined when the model has none. */
  names: string[] | undefined;
  /** Square input side: static input dims, else metadata imgsz, else undefined. */
  inputSize: number | undefined;
  inputName: string;
  /** The input's declared dims (symbolic as strings, unknown as '?'). */
  inputShape: readonly (number | string)[];
  outputName: string;
  outputShape: readonly (number | string)[];
  /** What the model computes in (`float32`, `int8 QDQ`, …: graph's modelPrecision). */
  precision: string;
}

/** What validation needs from an ONNX model's metadata and graph signature; `file` names it in messages. */
export function modelInfoOf(model: OnnxModel, file: string): ModelInfo {
  const md = parseUltralyticsMetadata(model.proto);
  const graph = model.proto.graph!;
  const inits = new Set(graph.initializer.map((t) => t.name));
  const input = graph.input.find((v) => !inits.has(v.name));
  const output = graph.output[0];
  if (!input || !output) throw new ModelFormatError(`${file}: the graph has no input or no output`, file);
  const dimsOf = (v: typeof input): (number | string)[] => {
    const t = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    return (t?.shape?.dim ?? []).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : '?'));
  };
  const inDims = dimsOf(input);
  const h = inDims[2], w = inDims[3];
  let inputSize: number | undefined;
  if (typeof h === 'number' && typeof w === 'number') {
    if (h !== w) throw new UsageError(`${file}: input '${input.name}' is ${w}x${h}; validation supports square inputs only`);
    inputSize = h;
  } else if (md.imgsz && md.imgsz[0] === md.imgsz[1]) inputSize = md.imgsz[0];
  let names: string[] | undefined;
  if (md.names && md.names.size > 0) {
    const n = Math.max(...md.names.keys()) + 1;
    names = Array.from({ length: n }, (_, i) => md.names!.get(i) ?? `class_${i}`);
  }
  return { names, inputSize, inputName: input.name, inputShape: inDims, outputName: output.name, outputShape: dimsOf(output), precision: modelPrecision(model).label };
}

