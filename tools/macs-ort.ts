/**
 * Dev cross-check of prunekit's static shapes/MACs against shapes onnxruntime actually produces: every weight
 * layer's input and output is added as a graph output, the model runs once on a synthetic input, and MACs are
 * recomputed from the observed dims (Conv: out elements × Cin/groups × kernel area; ConvTranspose: in elements
 * × Cout/groups × kernel area; Gemm/MatMul: out elements × K). Not used by the product or the tests.
 *
 * Usage: npx tsx tools/macs-ort.ts MODEL.onnx [...]
 */
import { create } from '@bufbuild/protobuf';
import { TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema } from 'onnx-buf';
import { inferShapes, indexGraph, listLayers } from '../src/graph/index.js';
import { serializeOnnx, shallowCopy, withProto } from '../src/io/onnx/index.js';
import { loadOnnx } from '../src/files/onnx-file.js';
import { createSession } from '../src/runtime/index.js';

const prod = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

for (const file of process.argv.slice(2)) {
  const model = await loadOnnx(file);
  const g = indexGraph(model);
  const layers = listLayers(model, g, { shapes: inferShapes(model, g) });
  const nodes = g.nodes.filter((n) => layers.some((l) => l.nodeNames.includes(n.name)));
  const names = new Set(nodes.flatMap((n) => [n.input[0]!, n.output[0]!]));
  const existing = new Set(model.proto.graph!.output.map((o) => o.name));
  const graph = shallowCopy(model.proto.graph!);
  const floatType = create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType: 1 }) } });
  graph.output = [...graph.output, ...[...names].filter((n) => !existing.has(n) && !g.constants.has(n)).map((name) => create(ValueInfoProtoSchema, { name, type: floatType }))];
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  const session = await createSession(serializeOnnx(withProto(model, proto)), { threads: 2, graphOptimization: 'disabled' });
  const inp = session.inputs[0]!;
  const dims = inp.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const out = await session.run({ [inp.name]: { dtype: 'float32', dims, data: new Float32Array(prod(dims)).fill(0.5) } });
  const shapeOf = (v: string) => (v === inp.name ? dims : out[v]?.dims ?? g.constants.get(v)?.proto.dims.map(Number));
  let total = 0;
  let mismatches = 0;
  for (const layer of layers) {
    let macs = 0;
    for (const n of nodes.filter((x) => layer.nodeNames.includes(x.name))) {
      const x = shapeOf(n.input[0]!)!;
      const y = shapeOf(n.output[0]!)!;
      const w = layer.dims;
      const transA = n.attribute.find((a) => a.name === 'transA')?.i === 1n;
      macs += n.opType === 'Conv' ? prod(y) * prod(w.slice(1))
        : n.opType === 'ConvTranspose' ? prod(x) * prod(w.slice(1))
        : n.opType === 'Gemm' ? prod(y) * (transA ? x[0]! : x[1]!)
        : prod(y) * x[x.length - 1]!;
    }
    total += macs;
    if (macs !== layer.macs) {
      mismatches++;
      console.log(`  mismatch ${layer.modulePath}: onnxruntime ${macs}, prunekit ${layer.macs}`);
    }
  }
  const ours = layers.reduce((a, l) => a + (l.macs ?? NaN), 0);
  console.log(JSON.stringify({ model: file.split('/').pop(), layers: layers.length, macsFromOnnxruntimeShapes: total, macsPrunekit: ours, mismatches }));
  await session.release();
}
