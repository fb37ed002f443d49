/**
 * The class-logit clip (saturation.ts, tensors whose elements reach only Sigmoids through data movement) on a
 * miniature anchor-free head, and the proof on the decode that it changes no detection: logits under −8 become
 * −8 (σ = 0.00034, under the validator's 0.001), so the same boxes, classes and scores pass NMS.
 */
import { describe, expect, it } from 'vitest';
import { sigmoid } from '../../src/core/scalar.js';
import { decodeOutput, resolveLayout } from '../../src/eval/decode/index.js';
import { NMS_DEFAULTS, nonMaxSuppression } from '../../src/eval/nms/index.js';
import { activationParams } from '../../src/quantize/scales.js';
import { asymmetricParams, dequantizeValue, quantizeValue } from '../../src/quantize/params.js';
import { reachesOnlySigmoids, saturatedRanges, SATURATION_BOUND } from '../../src/quantize/saturation.js';
import { headTail } from '../helpers/head-tail.js';
import { randomFloats } from '../helpers/onnx-builder.js';

const calibrated = () => new Map([
  ['box0', { min: -5, max: 13 }], ['cls0', { min: -30, max: 2 }], ['box1', { min: -4, max: 12 }], ['cls1', { min: -25, max: 9 }],
  ['cat0', { min: -30, max: 13 }], ['cat1', { min: -25, max: 12 }], ['flat0', { min: -30, max: 13 }], ['flat1', { min: -25, max: 12 }],
  ['all', { min: -30, max: 13 }], ['s0', { min: -5, max: 13 }], ['s1', { min: -30, max: 9 }],
]);

describe('reachesOnlySigmoids', () => {
  it('the class convs yes; the box convs, a mixed Concat, movement outputs and graph outputs no', () => {
    const t = headTail();
    expect(['cls0', 'cls1'].map((v) => reachesOnlySigmoids(t.g, t.shapes, v))).toEqual([true, true]);
    expect(['box0', 'box1', 'cat0', 'all'].map((v) => reachesOnlySigmoids(t.g, t.shapes, v))).toEqual([false, false, false, false]);
    // s1 is read by the Sigmoid only, but it is made by data movement: it follows its input's clip instead
    expect(reachesOnlySigmoids(t.g, t.shapes, 's1')).toBe(false);
    const off = headTail({ split: [4, 1] });
    expect(reachesOnlySigmoids(off.g, off.shapes, 'cls0')).toBe(false); // a class channel reaches the Softmax
  });
});

describe('saturatedRanges: class logits', () => {
  it('clips the class convs below at −8 (not above), carries it through the tail, leaves the box convs', () => {
    const t = headTail();
    const r = saturatedRanges(t.g, calibrated(), SATURATION_BOUND, t.shapes);
    expect(r.get('cls0')).toEqual({ min: -8, max: 2 });
    expect(r.get('cls1')).toEqual({ min: -8, max: 9 }); // the top is kept (scores of confident detections keep their order)
    expect(r.get('box0')).toEqual({ min: -5, max: 13 });
    expect(r.get('cat0')).toEqual({ min: -8, max: 13 }); // min(box0 −5, cls0 −8)
    expect(r.get('cat1')).toEqual({ min: -8, max: 12 });
    expect(r.get('flat0')).toEqual({ min: -8, max: 13 });
    expect(r.get('all')).toEqual({ min: -8, max: 13 });
    expect(r.get('s0')).toEqual({ min: -5, max: 13 }); // its own range is already above the floor
    expect(r.get('s1')).toEqual({ min: -8, max: 8 }); // read only by the Sigmoid: the direct rule, ±8
    // the shared tail scale: one group [−8, 13] instead of [−30, 13]
    const p = activationParams(t.g.nodes, r);
    expect(p.get('cls0')).toEqual(p.get('all'));
    expect(p.get('all')!.scale).toBeCloseTo(21 / 255, 6);
    expect(activationParams(t.g.nodes, calibrated()).get('all')!.scale).toBeCloseTo(43 / 255, 6);
  });
  it('the floor is the lowest data input minimum: a box input under −8 keeps the tail below −8', () => {
    const t = headTail();
    const r = saturatedRanges(t.g, new Map([...calibrated(), ['box0', { min: -11, max: 13 }]]), SATURATION_BOUND, t.shapes);
    expect(r.get('cls0')).toEqual({ min: -8, max: 2 });
    expect(r.get('cat0')).toEqual({ min: -11, max: 13 });
    expect(r.get('all')).toEqual({ min: -11, max: 13 });
    expect(r.get('cat1')).toEqual({ min: -8, max: 12 });
  });
  it('without shapes, with a misaligned Split, or with every logit already above −bound: nothing moves', () => {
    const t = headTail();
    expect(saturatedRanges(t.g, calibrated(), SATURATION_BOUND)).toEqual(new Map([...calibrated(), ['s1', { min: -8, max: 8 }]]));
    const off = headTail({ split: [4, 1] });
    const r = saturatedRanges(off.g, calibrated(), SATURATION_BOUND, off.shapes);
    expect(r.get('cls0')).toEqual({ min: -30, max: 2 });
    expect(r.get('all')).toEqual({ min: -30, max: 13 });
    const high = new Map([...calibrated()].map(([k, v]) => [k, { min: Math.max(v.min, -8), max: v.max }]));
    expect(saturatedRanges(t.g, high, SATURATION_BOUND, t.shapes).get('cat0')).toEqual({ min: -8, max: 13 });
    // the bound given is the one used
    expect(saturatedRanges(t.g, calibrated(), 6, t.shapes).get('all')).toEqual({ min: -6, max: 13 });
  });
  it('a movement output never goes above its own maximum (min ≤ max)', () => {
    const t = headTail();
    const r = saturatedRanges(t.g, new Map([...calibrated(), ['box0', { min: -8.5, max: -8.2 }], ['cat0', { min: -30, max: -9 }]]), SATURATION_BOUND, t.shapes);
    expect(r.get('cat0')).toEqual({ min: -9, max: -9 });
  });
});

/** A [1, 4 + nc, N] v8 output: boxes spread over the image, class scores σ(logit) from `logits` [nc·N]. */
function v8Output(logits: Float32Array, nc: number, n: number): Float32Array {
  const out = new Float32Array((4 + nc) * n);
  for (let i = 0; i < n; i++) {
    out[i] = 40 + (i % 16) * 36; out[n + i] = 40 + Math.floor(i / 16) * 36; out[2 * n + i] = 30 + (i % 5) * 7; out[3 * n + i] = 30 + (i % 7) * 5;
  }
  for (let k = 0; k < nc * n; k++) out[4 * n + k] = Math.fround(sigmoid(logits[k]!));
  return out;
}

function detections(logits: Float32Array, nc: number, n: number, conf: number) {
  const layout = resolveLayout([1, 4 + nc, n]);
  const d = decodeOutput(v8Output(logits, nc, n), layout, conf);
  if (d.kind !== 'dense') throw new Error('expected dense candidates');
  const r = nonMaxSuppression(d.candidates, { conf });
  return { boxes: [...r.boxesXyxy], scores: [...r.scores], classes: [...r.classes] };
}

describe('the clip on the decode: the same detections pass', () => {
  const nc = 5, n = 256;
  // Logits from −40 to +6, with many in the threshold region (logit(0.001) = −6.907) and around −8.
  const logits = Float32Array.from(randomFloats(nc * n, 7), (u, k) => (k % 3 === 0 ? -7.5 + 1.5 * u : -17 + 23 * u));
  const clipped = Float32Array.from(logits, (x) => Math.max(x, -SATURATION_BOUND));
  it('the threshold region is populated: some scores pass, some clipped ones were near it', () => {
    const d = detections(logits, nc, n, NMS_DEFAULTS.conf);
    expect(d.scores.length).toBeGreaterThan(50);
    expect(logits.some((x) => x < -SATURATION_BOUND && x > -9)).toBe(true);
    expect(logits.some((x) => x > Math.log(NMS_DEFAULTS.conf / (1 - NMS_DEFAULTS.conf)) && x < -6.5)).toBe(true);
  });
  it('at the validator’s conf 0.001 and at predict’s 0.25: identical boxes, classes and scores', () => {
    for (const conf of [NMS_DEFAULTS.conf, 0.25]) expect(detections(clipped, nc, n, conf)).toEqual(detections(logits, nc, n, conf));
  });
  it('a bound whose sigmoid passes the threshold would change them (σ(−6) = 0.0025 > 0.001)', () => {
    const six = Float32Array.from(logits, (x) => Math.max(x, -6));
    expect(detections(six, nc, n, NMS_DEFAULTS.conf)).not.toEqual(detections(logits, nc, n, NMS_DEFAULTS.conf));
    expect(sigmoid(-SATURATION_BOUND)).toBeLessThan(NMS_DEFAULTS.conf);
    expect(sigmoid(-6)).toBeGreaterThan(NMS_DEFAULTS.conf);
  });
  it('the uint8 code a clipped logit gets dequantizes under the threshold, with LeYOLO-Nano’s shared range', () => {
    const p = asymmetricParams(-SATURATION_BOUND, 13.5);
    const lowest = dequantizeValue(quantizeValue(-30, p), p);
    expect(lowest).toBeLessThan(-7.9);
    expect(sigmoid(lowest)).toBeLessThan(NMS_DEFAULTS.conf);
    // and the highest code rounding can give a value under −8: half a step above −8 still scores under 0.001
    expect(sigmoid(-SATURATION_BOUND + p.scale / 2)).toBeLessThan(NMS_DEFAULTS.conf);
  });
});

describe('saturatedRanges: which tensors carry the clip', () => {
  const t = headTail();
  it('a class conv already above −8 is not clipped and carries nothing, even at exactly −8', () => {
    for (const min of [-5, -8]) {
      const r = saturatedRanges(t.g, new Map([...calibrated(), ['cls0', { min, max: 2 }]]), SATURATION_BOUND, t.shapes);
      expect(r.get('cls0')).toEqual({ min, max: 2 });
      expect(r.get('cat0')).toEqual({ min: -30, max: 13 }); // its own calibration stands
      expect(r.get('cat1')).toEqual({ min: -8, max: 12 }); // the other scale still clipped
    }
  });
  it('a movement output at the floor already still carries it to what reads it', () => {
    const r = saturatedRanges(t.g, new Map([...calibrated(), ['cat0', { min: -8, max: 13 }]]), SATURATION_BOUND, t.shapes);
    expect(r.get('flat0')).toEqual({ min: -8, max: 13 });
  });
  it('only data movement carries it: the Softmax output keeps its range; a Concat with no clipped input too', () => {
    const extra: Array<[string, { min: number; max: number }]> = [['s0', { min: -30, max: 13 }], ['bs', { min: -20, max: 1 }], ['cs', { min: 0, max: 1 }], ['out', { min: -30, max: 1 }]];
    const r = saturatedRanges(t.g, new Map([...calibrated(), ...extra]), SATURATION_BOUND, t.shapes);
    expect(r.get('s0')).toEqual({ min: -8, max: 13 });
    expect(r.get('bs')).toEqual({ min: -20, max: 1 });
    expect(r.get('out')).toEqual({ min: -30, max: 1 });
  });
  it('a movement node with an input without a range is left alone', () => {
    const r = saturatedRanges(t.g, new Map([...calibrated()].filter(([k]) => k !== 'box1')), SATURATION_BOUND, t.shapes);
    expect(r.get('cls1')).toEqual({ min: -8, max: 9 });
    expect(r.get('cat1')).toEqual({ min: -25, max: 12 });
  });
});
