/**
 * Raise a model's default-domain opset to 13, the first with per-axis QuantizeLinear/DequantizeLinear (per-channel
 * weights). Ops whose signature changed at 13 are rewritten to the same computation: Split, Squeeze, Unsqueeze and
 * ReduceSum take their `split`/`axes` attribute as an int64 input; Softmax, LogSoftmax and Hardmax (which before
 * 13 flatten the input to 2-D at `axis`) become Flatten → op(axis −1) → Reshape to the input's shape.
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import { UnsupportedOpError } from '../core/errors.js';
import { attrInt, int64Tensor, makeNode, opsetOf, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';

export const QDQ_OPSET = 13;

const ATTR_TO_INPUT: Readonly<Record<string, string>> = { Split: 'split', Squeeze: 'axes', Unsqueeze: 'axes', ReduceSum: 'axes' };
const COERCING = new Set(['Softmax', 'LogSoftmax', 'Hardmax']);

/** The model at opset ≥ 13 (unchanged when it already is). The input model is not modified. */
export function upgradeToOpset13(model: OnnxModel): OnnxModel {
  const from = opsetOf(model);
  if (from >= QDQ_OPSET) return model;
  if (from < 10) throw new UnsupportedOpError(`opset ${from} is too old to quantize (needs ≥ 10; re-export the model with opset ≥ 13)`);
  const graph = shallowCopy(model.proto.graph!);
  const taken = new Set([...graph.node.flatMap((n) => n.output), ...graph.initializer.map((t) => t.name), ...graph.input.map((i) => i.name)]);
  const fresh = (stem: string) => { let n = stem; for (let k = 1; taken.has(n); k++) n = `${stem}_${k}`; taken.add(n); return n; };
  const inits: TensorProto[] = [...graph.initializer];
  const nodes: NodeProto[] = [];
  for (const n of graph.node) {
    if (n.domain !== '' && n.domain !== 'ai.onnx') { nodes.push(n); continue; }
    const attrName = ATTR_TO_INPUT[n.opType];
    const attr = attrName ? n.attribute.find((a) => a.name === attrName) : undefined;
    if (attrName && attr) {
      const name = fresh(`${n.name || n.output[0]}_${attrName}`);
      inits.push(int64Tensor(name, attr.ints.map(Number)));
      const out = shallowCopy(n);
      out.attribute = n.attribute.filter((a) => a !== attr);
      out.input = [n.input[0]!, name];
      nodes.push(out);
    } else if (COERCING.has(n.opType)) {
      const axis = Number(n.attribute.find((a) => a.name === 'axis')?.i ?? 1n);
      const x = n.input[0]!, y = n.output[0]!;
      const flat = fresh(`${y}_flat2d`), shape = fresh(`${y}_inshape`), soft = fresh(`${y}_2d`);
      nodes.push(
        makeNode('Flatten', [x], [flat], [attrInt('axis', axis)]),
        makeNode('Shape', [x], [shape]),
        makeNode(n.opType, [flat], [soft], [attrInt('axis', -1)], { name: n.name }),
        makeNode('Reshape', [soft, shape], [y]),
      );
    } else nodes.push(n);
  }
  graph.node = nodes;
  graph.initializer = inits;
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  proto.opsetImport = model.proto.opsetImport.map((o) => {
    if (o.domain !== '' && o.domain !== 'ai.onnx') return o;
    const c = shallowCopy(o);
    c.version = BigInt(QDQ_OPSET);
    return c;
  });
  if (proto.irVersion < 7n) proto.irVersion = 7n;
  return withProto(model, proto);
}
