import { describe, expect, it } from 'vitest';
import { analyzeChannels, checkChannelConsistency, detectHeadPath } from '../../../src/graph/deps/index.js';
import { indexGraph } from '../../../src/graph/index.js';
import { toOnnx } from '../../helpers/onnx-builder.js';
import { barrierNet, bnNet, c2fNet, depthwiseNet, groupedNet, residualNet, sharedWeightNet } from './graphs.js';

const noHead = { headPath: null };

describe('channel dependency groups', () => {
  it('couples the two producers of a residual Add into one group with one class per channel', () => {
    const dg = analyzeChannels(toOnnx(residualNet()), noHead);
    const roots = dg.trace.roots.map((r) => r.weight);
    expect(roots).toEqual(['w0', 'w1', 'w2']);
    const g = dg.groups.find((x) => x.roots.includes(0))!;
    expect(g.roots).toEqual([0, 1]);
    expect(g.classes).toHaveLength(8);
    for (let c = 0; c < 8; c++) expect(dg.trace.classOf[c]).toBe(dg.trace.classOf[8 + c]);
    // conv2 consumes the sum on its input axis; conv1 consumes conv0 on its input axis
    const ins = dg.trace.members.filter((m) => m.role === 'in').map((m) => m.tensor).sort();
    expect(ins).toEqual(['w1', 'w2']);
    // the output conv's channels reach the graph output: pinned
    const out = dg.groups.find((x) => x.roots.includes(2))!;
    expect(out.prunable).toBe(0);
    expect(out.barriers.join()).toContain('graph output');
  });

  it('maps Split outputs and Concat inputs by channel offset (C2f)', () => {
    for (const opset of [12, 13]) {
      const dg = analyzeChannels(toOnnx(c2fNet(opset)), noHead);
      const cat = dg.trace.maps.get('cat')!;
      expect(cat).toHaveLength(24);
      expect(Array.from(cat.slice(0, 16))).toEqual(Array.from({ length: 16 }, (_, i) => i)); // a then b = conv0's 16
      expect(cat[16]).toBe(dg.trace.roots[1]!.base); // then conv1's 8
      const split = dg.trace.edits.find((e) => e.kind === 'split');
      expect(split?.kind === 'split' && split.source).toBe(opset < 13 ? 'attribute' : 'input');
    }
  });

  it('passes channels through a depthwise conv and records its group attribute', () => {
    const dg = analyzeChannels(toOnnx(depthwiseNet()), noHead);
    expect(dg.trace.roots.map((r) => r.weight)).toEqual(['w0', 'w2']);
    const g = dg.groups[0]!;
    const tensors = g.members.map((k) => dg.trace.members[k]!).map((m) => `${m.role}:${m.tensor}@${m.axis}`).sort();
    expect(tensors).toEqual(['in:w2@1', 'out:w0@0', 'out:wd@0', 'param:b0@0', 'param:bd@0']);
    expect(dg.trace.edits.map((e) => e.kind)).toEqual(['group']);
  });

  it('makes BatchNormalization parameters members, γ as bn-scale', () => {
    const dg = analyzeChannels(toOnnx(bnNet()), noHead);
    const bn = dg.trace.members.filter((m) => m.tensor === 'g' || m.tensor === 'be' || m.tensor === 'mu' || m.tensor === 'var');
    expect(bn.map((m) => m.role).sort()).toEqual(['bn-scale', 'param', 'param', 'param']);
  });

  it('pins channels that reach a barrier and lists it', () => {
    const dg = analyzeChannels(toOnnx(barrierNet()), noHead);
    expect(dg.groups).toHaveLength(1);
    expect(dg.groups[0]!.prunable).toBe(0);
    expect(dg.groups[0]!.barriers[0]).toMatch(/Transpose .*barrier/);
  });

  it('sees a weight shared through Identity as two roots', () => {
    const dg = analyzeChannels(toOnnx(sharedWeightNet()), noHead);
    const shared = dg.trace.roots.filter((r) => r.weight === 'ws');
    expect(shared).toHaveLength(2);
    const [a, b] = shared.map((r) => dg.groups.find((g) => g.roots.includes(r.id))!);
    expect(a!.prunable).toBe(8);
    expect(b!.prunable).toBe(0);
  });

  it('detects the Ultralytics head as the last model.<i>: its convs keep their channels, their inputs may shrink', () => {
    const m = toOnnx(residualNet());
    expect(detectHeadPath(indexGraph(m))).toBe('model.2');
    const dg = analyzeChannels(m);
    expect(dg.trace.roots.map((r) => r.weight)).toEqual(['w0', 'w1']);
    expect(dg.groups[0]!.prunable).toBe(dg.groups[0]!.classes.length);
    const head = dg.trace.members.filter((x) => x.tensor === 'w2');
    expect(head.map((x) => x.role)).toEqual(['in']);
  });

  it('keeps the channels entering the head with keepHeadInputs', () => {
    const dg = analyzeChannels(toOnnx(residualNet()), { keepHeadInputs: true });
    expect(dg.trace.roots.map((r) => r.weight)).toEqual(['w0', 'w1']);
    expect(dg.groups[0]!.prunable).toBe(0);
    expect(dg.groups[0]!.barriers.join()).toContain('protected layer');
    expect(dg.trace.members.some((x) => x.tensor === 'w2')).toBe(false);
  });

  it('makes a grouped conv a root whose input slices are grouped members and whose blocks must stay even', () => {
    const dg = analyzeChannels(toOnnx(groupedNet()), { headPath: null });
    expect(dg.trace.roots.map((r) => r.weight)).toEqual(['w0', 'wg', 'w2']);
    const inSlices = dg.trace.members.find((m) => m.tensor === 'wg' && m.role === 'in')!;
    expect(inSlices.groups).toBe(2);
    expect(inSlices.map).toHaveLength(8);
    const edit = dg.trace.edits.find((e) => e.kind === 'grouped');
    expect(edit).toMatchObject({ kind: 'grouped', groups: 2 });
    expect(dg.trace.barriers.filter((b) => b.reason.includes('grouped'))).toEqual([]);
    expect(dg.groups.filter((g) => g.prunable > 0)).toHaveLength(2);
  });

  it('honours an ignore list', () => {
    const dg = analyzeChannels(toOnnx(residualNet()), { headPath: null, ignore: ['model.1'] });
    expect(dg.groups[0]!.prunable).toBe(0);
    expect(dg.groups[0]!.barriers.join()).toContain('ignored layer');
  });
});

describe('checkChannelConsistency', () => {
  it('accepts the hand-built models', () => {
    for (const m of [residualNet(), c2fNet(12), c2fNet(13), depthwiseNet(), bnNet(), sharedWeightNet()]) {
      expect(checkChannelConsistency(toOnnx(m)).violations).toEqual([]);
    }
  });

  it('reports a conv whose weight no longer matches its input', () => {
    const m = residualNet();
    const w2 = m.graph!.initializer.find((t) => t.name === 'w2')!;
    w2.dims = [4n, 6n, 1n, 1n];
    w2.rawData = w2.rawData.slice(0, 4 * 24);
    const r = checkChannelConsistency(toOnnx(m));
    expect(r.ok).toBe(false);
    expect(r.violations.join()).toMatch(/input has 8 channels/);
  });
});

describe('subgraphs', () => {
  it('pins traced values that an If branch reads from the outer graph', async () => {
    const { create } = await import('@bufbuild/protobuf');
    const { AttributeProtoSchema, AttributeProto_AttributeType: AT, GraphProtoSchema } = await import('onnx-buf');
    const { node, constant } = await import('../../helpers/onnx-builder.js');
    const m = residualNet();
    const branch = create(GraphProtoSchema, { name: 'b', node: [node('Identity', ['as'], ['bo'])], output: m.graph!.output.slice(0, 1) });
    branch.output[0]!.name = 'bo';
    const cond = constant('cond', [], Uint8Array.from([1]), { dataType: 9 });
    const ifNode = node('If', ['cond'], ['unused'], {}, '/If');
    for (const name of ['then_branch', 'else_branch']) ifNode.attribute.push(create(AttributeProtoSchema, { name, type: AT.GRAPH, g: branch }));
    m.graph!.node.push(cond, ifNode);
    const dg = analyzeChannels(toOnnx(m), noHead);
    expect(dg.groups[0]!.prunable).toBe(0);
    expect(dg.groups[0]!.barriers.join()).toMatch(/If subgraph/);
  });
});
