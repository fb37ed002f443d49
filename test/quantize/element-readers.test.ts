import { describe, expect, it } from 'vitest';
import { elementReaders, transposeMask } from '../../src/quantize/element-readers.js';
import { headTail } from '../helpers/head-tail.js';

describe('transposeMask', () => {
  it('moves each element to its transposed place (2×3 → 3×2, and a 3-axis rotation)', () => {
    // [[1,0,0],[0,1,1]]ᵀ = [[1,0],[0,1],[0,1]]
    expect([...transposeMask(Uint8Array.of(1, 0, 0, 0, 1, 1), [2, 3], [1, 0])]).toEqual([1, 0, 0, 1, 0, 1]);
    // shape [2,1,3], perm [2,0,1] → [3,2,1]: out[c][a][0] = in[a][0][c]
    const m = Uint8Array.of(1, 1, 0, 0, 0, 1);
    expect([...transposeMask(m, [2, 1, 3], [2, 0, 1])]).toEqual([1, 0, 1, 0, 0, 1]);
    expect([...transposeMask(m, [2, 1, 3], [0, 1, 2])]).toEqual([...m]);
  });
});

describe('elementReaders', () => {
  it('follows the class conv outputs through Concat, Reshape, the Concat of the scales and the Split to the Sigmoid only', () => {
    const t = headTail();
    const sigmoid = t.g.nodes.findIndex((n) => n.opType === 'Sigmoid');
    const softmax = t.g.nodes.findIndex((n) => n.opType === 'Softmax');
    for (const cls of ['cls0', 'cls1']) expect(elementReaders(t.g, t.shapes, cls)).toEqual({ readers: [sigmoid], graphOutput: false });
    for (const box of ['box0', 'box1']) expect(elementReaders(t.g, t.shapes, box)).toEqual({ readers: [softmax], graphOutput: false });
    expect(elementReaders(t.g, t.shapes, 'cat1')).toEqual({ readers: [softmax, sigmoid], graphOutput: false });
  });
  it('is exact to the element: a Split one channel off sends a box channel to the Sigmoid, or a class channel to the Softmax', () => {
    const early = headTail({ split: [2, 3] });
    const [softmax, sigmoid] = ['Softmax', 'Sigmoid'].map((op) => early.g.nodes.findIndex((n) => n.opType === op));
    expect(elementReaders(early.g, early.shapes, 'cls1').readers).toEqual([sigmoid]);
    expect(elementReaders(early.g, early.shapes, 'box0').readers).toEqual([softmax, sigmoid]);
    const late = headTail({ split: [4, 1] });
    expect(elementReaders(late.g, late.shapes, 'cls0').readers).toEqual([softmax, sigmoid]);
    expect(elementReaders(late.g, late.shapes, 'cls1').readers).toEqual([softmax, sigmoid]);
    expect(elementReaders(late.g, late.shapes, 'box1').readers).toEqual([softmax]);
  });
  it('class first, and through a Transpose with the Split on the last axis: the same readers', () => {
    for (const t of [headTail({ classFirst: true, split: [2, 3] }), headTail({ transpose: true })]) {
      const sigmoid = t.g.nodes.findIndex((n) => n.opType === 'Sigmoid');
      expect(elementReaders(t.g, t.shapes, 'cls0').readers).toEqual([sigmoid]);
      expect(elementReaders(t.g, t.shapes, 'cls1').readers).toEqual([sigmoid]);
      expect(elementReaders(t.g, t.shapes, 'box1').readers).not.toContain(sigmoid);
    }
    // The transposed tail split one row off on the moved axis: a class element reaches the Softmax.
    const off = headTail({ transpose: true, split: [4, 1] });
    expect(elementReaders(off.g, off.shapes, 'cls0').readers).toContain(off.g.nodes.findIndex((n) => n.opType === 'Softmax'));
  });
  it('says when an element reaches a graph output (the output Concat is not followed past: the graph output is its own)', () => {
    const t = headTail({ scoresOutput: true });
    expect(elementReaders(t.g, t.shapes, 'cls0').graphOutput).toBe(false); // the Sigmoid reads it; its output is not the logits
    expect(elementReaders(t.g, t.shapes, 's1')).toEqual({ readers: [t.g.nodes.findIndex((n) => n.opType === 'Sigmoid')], graphOutput: false });
    const s = headTail();
    expect(elementReaders(s.g, s.shapes, 'bs')).toEqual({ readers: [], graphOutput: true }); // bs → output Concat → out
  });
  it('a rearranging op whose shapes are unknown is a reader (nothing is assumed about where elements go)', () => {
    const t = headTail();
    const noShapes = new Map([...t.shapes].filter(([k]) => k !== 'all'));
    const concat = t.index('all');
    expect(elementReaders(t.g, noShapes, 'cls0').readers).toEqual([concat]);
    // Without any shape the first Concat is the reader.
    expect(elementReaders(t.g, new Map(), 'cls0').readers).toEqual([t.index('cat0')]);
    // Reshape keeps the order: followed without any shape, up to the scales' Concat.
    expect(elementReaders(t.g, new Map(), 'cat0').readers).toEqual([concat]);
  });
  it('with `accept`, stops at the first refused reader', () => {
    const t = headTail();
    const softmax = t.g.nodes.findIndex((n) => n.opType === 'Softmax');
    const calls: number[] = [];
    const r = elementReaders(t.g, t.shapes, 'cat0', (i) => { calls.push(i); return t.g.nodes[i]!.opType === 'Sigmoid'; });
    expect(r.readers).toContain(softmax);
    expect(calls[calls.length - 1]).toBe(softmax);
    expect(calls.filter((i) => i === softmax)).toHaveLength(1);
  });
});

describe('elementReaders: what stops the walk', () => {
  const t = headTail();
  it('a missing shape of another Concat input, of the Concat output or of a Split output makes that op the reader', () => {
    const without = (name: string) => new Map([...t.shapes].filter(([k]) => k !== name));
    expect(elementReaders(t.g, without('box0'), 'cls0').readers).toEqual([t.index('cat0')]);
    expect(elementReaders(t.g, without('cat0'), 'cls0').readers).toEqual([t.index('cat0')]);
    expect(elementReaders(t.g, without('s0'), 'cls0').readers).toEqual([t.index('s0')]);
  });
  it('a Transpose without perm reverses the axes; a Concat axis out of range is a reader', () => {
    // m [2,3] ⊕ k [2,3] on axis 1 → [2,6] → Transpose (no perm) → [6,2] → Split axis 0 [3,3]: the first part holds
    // m's elements only (columns 0–2), the second k's.
    const attr = (name: string, i: bigint) => ({ name, type: 2, i, ints: [], floats: [], strings: [] });
    const g = {
      nodes: [
        { opType: 'Concat', input: ['m', 'k'], output: ['mk'], name: 'C', domain: '', attribute: [attr('axis', 1n)] },
        { opType: 'Transpose', input: ['mk'], output: ['mt'], name: 'T', domain: '', attribute: [] },
        { opType: 'Split', input: ['mt'], output: ['p', 'q'], name: 'S', domain: '', attribute: [] },
        { opType: 'Sigmoid', input: ['p'], output: ['ps'], name: 'A', domain: '', attribute: [] },
        { opType: 'Relu', input: ['q'], output: ['qr'], name: 'B', domain: '', attribute: [] },
        { opType: 'Concat', input: ['k', 'k'], output: ['kk'], name: 'D', domain: '', attribute: [attr('axis', 5n)] },
      ],
      consumers: new Map([['m', [0]], ['k', [0, 5]], ['mk', [1]], ['mt', [2]], ['p', [3]], ['q', [4]]]),
      graphOutputs: new Set<string>(),
    } as unknown as Parameters<typeof elementReaders>[0];
    const shapes = new Map<string, readonly number[]>([['m', [2, 3]], ['k', [2, 3]], ['mk', [2, 6]], ['mt', [6, 2]], ['p', [3, 2]], ['q', [3, 2]], ['kk', [2, 6]]]);
    expect(elementReaders(g, shapes, 'm').readers).toEqual([3]);
    expect(elementReaders(g, shapes, 'k').readers).toEqual([4, 5]);
  });
  it('the traced tensor at a non-data input (a Reshape shape, Split sizes) makes the op a reader', () => {
    const g = {
      nodes: [
        { opType: 'Reshape', input: ['z', 'm'], output: ['r'], name: 'R', domain: '', attribute: [] },
        { opType: 'Split', input: ['z', 'm'], output: ['a', 'b'], name: 'S', domain: '', attribute: [] },
        { opType: 'Sigmoid', input: ['r'], output: ['rs'], name: 'A', domain: '', attribute: [] },
      ],
      consumers: new Map([['m', [0, 1]], ['r', [2]]]),
      graphOutputs: new Set<string>(),
    } as unknown as Parameters<typeof elementReaders>[0];
    const shapes = new Map<string, readonly number[]>([['m', [2]], ['z', [2, 2]], ['r', [2, 2]], ['a', [1, 2]], ['b', [1, 2]]]);
    expect(elementReaders(g, shapes, 'm').readers).toEqual([0, 1]);
  });
});
