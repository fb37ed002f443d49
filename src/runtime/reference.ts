/**
 * A model that computes two networks side by side on the same inputs: the graph of `current` (e.g. partly
 * pruned) plus a copy of `original`'s nodes whose values are renamed `<name>__pkref`, so the original network's
 * value of any tensor is available next to the current one (for statistics that compare the two). Initializers
 * the current model changed are added back under renamed names with the original values; the others are shared.
 */
import type { OnnxModel } from '../io/onnx/bytes.js';
import { shallowCopy, withProto } from '../io/onnx/bytes.js';

export const REFERENCE_SUFFIX = '__pkref';

/** `current` with `original`'s nodes appended (renamed); `changed`: initializer names whose values differ. */
export function withReference(current: OnnxModel, original: OnnxModel, changed: ReadonlySet<string>): OnnxModel {
  const og = original.proto.graph!;
  const produced = new Set(og.node.flatMap((n) => n.output));
  const rename = (v: string) => (v && (produced.has(v) || changed.has(v)) ? `${v}${REFERENCE_SUFFIX}` : v);
  const nodes = og.node.map((n) => {
    const copy = shallowCopy(n);
    copy.input = n.input.map(rename);
    copy.output = n.output.map((v) => (v ? `${v}${REFERENCE_SUFFIX}` : v));
    copy.name = n.name ? `${n.name}${REFERENCE_SUFFIX}` : n.name;
    return copy;
  });
  const inits = og.initializer.filter((t) => changed.has(t.name)).map((t) => Object.assign(shallowCopy(t), { name: `${t.name}${REFERENCE_SUFFIX}` }));
  const graph = shallowCopy(current.proto.graph!);
  graph.node = [...graph.node, ...nodes];
  graph.initializer = [...graph.initializer, ...inits];
  const proto = shallowCopy(current.proto);
  proto.graph = graph;
  return withProto(current, proto);
}
