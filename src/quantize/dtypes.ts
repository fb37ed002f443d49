/**
 * Which values of a graph hold floats: a light type propagation (graph inputs and initializers by their declared
 * type; Shape, Size, NonZero, ArgMax → int64; Cast → its `to`; Constant → its value; ConstantOfShape → its value or
 * float; everything else → the type of its first input). Shape arithmetic (Shape → Gather → Concat → Reshape)
 * is thereby never mistaken for activations.
 */
import type { GraphIndex } from '../graph/onnx-graph.js';
import type { OnnxModel } from '../io/onnx/bytes.js';

const FLOAT = 1, INT64 = 7;
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression']);
const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);

/** ONNX element type code of every value that could be typed (1 = float32). */
export function valueTypes(model: OnnxModel, g: GraphIndex): Map<string, number> {
  const graph = model.proto.graph!;
  const types = new Map<string, number>();
  for (const i of graph.input) {
    const t = i.type?.value.case === 'tensorType' ? i.type.value.value.elemType : undefined;
    if (t !== undefined) types.set(i.name, t);
  }
  for (const [name, ref] of g.constants) types.set(name, ref.proto.dataType);
  for (const n of g.nodes) {
    let t: number | undefined;
    if (INT64_OPS.has(n.opType)) t = INT64;
    else if (BOOL_OPS.has(n.opType)) t = 9;
    else if (n.opType === 'Cast') t = Number(n.attribute.find((a) => a.name === 'to')?.i ?? FLOAT);
    else if (n.opType === 'Constant') t = n.attribute.find((a) => a.name === 'value')?.t?.dataType ?? FLOAT;
    else if (n.opType === 'ConstantOfShape') t = n.attribute.find((a) => a.name === 'value')?.t?.dataType ?? FLOAT;
    else if (n.opType === 'Where') t = types.get(n.input[1] ?? '');
    else t = types.get(n.input[0] ?? '');
    if (t === undefined) continue;
    for (const o of n.output) if (o) types.set(o, t);
  }
  return types;
}

export const isFloatType = (types: ReadonlyMap<string, number>, name: string): boolean => types.get(name) === FLOAT;
