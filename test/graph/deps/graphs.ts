/**
 * Small hand-built CNNs for the channel-dependency and structured-pruning tests. Every model takes `x [1,3,8,8]`
 * and names its convs like torch does (`/model.<i>/…/Conv`), with no detection head (headPath: null in tests).
 */
import type { ModelProto, NodeProto, TensorProto } from 'onnx-buf';
import { initializer, model, node, randomFloats, valueInfo, constant } from '../../helpers/onnx-builder.js';

let seed = 100;
const w = (name: string, dims: number[]) => initializer(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), seed++));
const conv = (x: string, weight: string, out: string, name: string, extra: Record<string, number | number[]> = {}, bias?: string) =>
  node('Conv', bias ? [x, weight, bias] : [x, weight], [out], { kernel_shape: [1, 1], ...extra }, `/${name}/Conv`);
const silu = (x: string, out: string, name: string): NodeProto[] => [
  node('Sigmoid', [x], [`${out}_sig`], {}, `/${name}/Sigmoid`), node('Mul', [x, `${out}_sig`], [out], {}, `/${name}/Mul`),
];
const io = (out: string, c: number) => ({ inputs: [valueInfo('x', [1, 3, 8, 8])], outputs: [valueInfo(out, [1, c, 8, 8])] });

function build(nodes: NodeProto[], inits: TensorProto[], out: string, c: number, opset = 13): ModelProto {
  const { inputs, outputs } = io(out, c);
  return model(nodes, inits, inputs, outputs, opset);
}

/** conv0 → SiLU → conv1 → Add(conv0, conv1) → conv2: the residual couples conv0 and conv1. */
export function residualNet(): ModelProto {
  return build(
    [conv('x', 'w0', 'a', 'model.0'), ...silu('a', 'as', 'model.0.act'), conv('as', 'w1', 'b', 'model.1'), node('Add', ['as', 'b'], ['s'], {}, '/model.1/Add'), conv('s', 'w2', 'y', 'model.2')],
    [w('w0', [8, 3, 1, 1]), w('w1', [8, 8, 1, 1]), w('w2', [4, 8, 1, 1])],
    'y', 4,
  );
}

/** C2f pattern: conv0 → Split [8,8] → (a, b); b → conv1 → m; Concat(a, b, m) → conv2. Opset 12 (split attribute) or 13 (input). */
export function c2fNet(opset = 13): ModelProto {
  const split = opset < 13
    ? [node('Split', ['c0'], ['a', 'b'], { axis: 1, split: [8, 8] }, '/model.0/Split')]
    : [constant('sizes', [2], BigInt64Array.from([8n, 8n])), node('Split', ['c0', 'sizes'], ['a', 'b'], { axis: 1 }, '/model.0/Split')];
  return build(
    [conv('x', 'w0', 'c0', 'model.0.cv1'), ...split, conv('b', 'w1', 'm0', 'model.0.m.0'), ...silu('m0', 'm', 'model.0.m.0.act'),
      node('Concat', ['a', 'b', 'm'], ['cat'], { axis: 1 }, '/model.0/Concat'), conv('cat', 'w2', 'y', 'model.0.cv2')],
    [w('w0', [16, 3, 1, 1]), w('w1', [8, 8, 1, 1]), w('w2', [4, 24, 1, 1])],
    'y', 4, opset,
  );
}

/** conv0 (+bias) → depthwise conv (group 8, 3×3) → Relu → conv2. */
export function depthwiseNet(): ModelProto {
  return build(
    [conv('x', 'w0', 'a', 'model.0', {}, 'b0'), conv('a', 'wd', 'd', 'model.1', { group: 8, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'bd'),
      node('Relu', ['d'], ['r'], {}, '/model.1/Relu'), conv('r', 'w2', 'y', 'model.2')],
    [w('w0', [8, 3, 1, 1]), w('b0', [8]), w('wd', [8, 1, 3, 3]), w('bd', [8]), w('w2', [4, 8, 1, 1])],
    'y', 4,
  );
}

/** conv0 → BatchNormalization → SiLU → conv1; `dead` zeroes channel 2 (filter, γ, β) so it contributes nothing. */
export function bnNet(dead = false): ModelProto {
  const w0 = randomFloats(24, 7), gamma = randomFloats(8, 8).map((v) => 0.5 + Math.abs(v)), beta = randomFloats(8, 9);
  const mean = randomFloats(8, 10), variance = randomFloats(8, 11).map((v) => 0.5 + Math.abs(v));
  if (dead) { w0.fill(0, 6, 9); gamma[2] = 0; beta[2] = 0; }
  return build(
    [conv('x', 'w0', 'c', 'model.0.conv'), node('BatchNormalization', ['c', 'g', 'be', 'mu', 'var'], ['n'], { epsilon: 1e-3 }, '/model.0/bn/BatchNormalization'),
      ...silu('n', 'a', 'model.0.act'), conv('a', 'w1', 'y', 'model.1.conv')],
    [initializer('w0', [8, 3, 1, 1], w0), initializer('g', [8], gamma), initializer('be', [8], beta), initializer('mu', [8], mean),
      initializer('var', [8], variance), w('w1', [4, 8, 1, 1])],
    'y', 4,
  );
}

/** conv0 (+bias) → SiLU → conv1 with channel 5 of conv0 dead (zero filter and bias). */
export function deadChannelNet(): ModelProto {
  const w0 = randomFloats(24, 21), b0 = randomFloats(8, 22);
  w0.fill(0, 15, 18); b0[5] = 0;
  return build(
    [conv('x', 'w0', 'c', 'model.0', {}, 'b0'), ...silu('c', 'a', 'model.0.act'), conv('a', 'w1', 'y', 'model.1')],
    [initializer('w0', [8, 3, 1, 1], w0), initializer('b0', [8], b0), w('w1', [4, 8, 1, 1])],
    'y', 4,
  );
}

/** conv0 → Transpose → output: every channel reaches a barrier. */
export function barrierNet(): ModelProto {
  const m = build([conv('x', 'w0', 'c', 'model.0'), node('Transpose', ['c'], ['y'], { perm: [0, 2, 3, 1] }, '/model.1/Transpose')], [w('w0', [8, 3, 1, 1])], 'y', 8);
  m.graph!.output = [valueInfo('y', [1, 8, 8, 8])];
  return m;
}

/**
 * One weight shared (through Identity) by two convs on the same input: convA → conv2 → y (prunable),
 * convB → z (a graph output, pinned). Only convA's copy may shrink.
 */
export function sharedWeightNet(): ModelProto {
  const m = build(
    [node('Identity', ['ws'], ['ws_id'], {}, '/Identity'), conv('x', 'ws', 'a', 'model.0'), conv('x', 'ws_id', 'z', 'model.1'), conv('a', 'w2', 'y', 'model.2')],
    [w('ws', [8, 3, 1, 1]), w('w2', [4, 8, 1, 1])],
    'y', 4,
  );
  m.graph!.output.push(valueInfo('z', [1, 8, 8, 8]));
  return m;
}

/**
 * conv0 (8) → SiLU → grouped conv (group 2, 8 → 8, 3×3) → SiLU → conv2. With `dead`, conv0's channels 1 and 5
 * (one per group) and the grouped conv's channels 2 and 6 have zero filters and biases: they output exactly 0.
 */
export function groupedNet(dead = false): ModelProto {
  const w0 = randomFloats(24, 31), b0 = randomFloats(8, 32), wg = randomFloats(8 * 4 * 9, 33), bg = randomFloats(8, 34);
  if (dead) {
    for (const c of [1, 5]) { w0.fill(0, c * 3, c * 3 + 3); b0[c] = 0; }
    for (const c of [2, 6]) { wg.fill(0, c * 36, c * 36 + 36); bg[c] = 0; }
  }
  return build(
    [conv('x', 'w0', 'c0', 'model.0', {}, 'b0'), ...silu('c0', 'a0', 'model.0.act'),
      conv('a0', 'wg', 'c1', 'model.1', { group: 2, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'bg'), ...silu('c1', 'a1', 'model.1.act'),
      conv('a1', 'w2', 'y', 'model.2')],
    [initializer('w0', [8, 3, 1, 1], w0), initializer('b0', [8], b0), initializer('wg', [8, 4, 3, 3], wg), initializer('bg', [8], bg), w('w2', [4, 8, 1, 1])],
    'y', 4,
  );
}
