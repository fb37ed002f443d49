#!/usr/bin/env python3
"""Independent cross-check of prunekit's ONNX layer inventory and MACs (dev tool, not used by the product).

Counts weight-bearing nodes (Conv, ConvTranspose, Gemm, MatMul with a constant operand; constants followed
through Identity; a weight shared by several nodes counted once), their weight parameters, and MACs from
onnx.shape_inference (Conv: out elements x Cin/groups x kernel area; ConvTranspose: in elements x Cout/groups x
kernel area; Gemm/MatMul: out elements x K).

Usage: /usr/bin/python3 tools/count_layers.py [--per-layer] MODEL.onnx [...]   (one JSON object per model)
onnx 1.12's shape inference cannot resolve every shape computed at run time (attention reshapes, LSConv pads):
layersWithoutMacs counts those; --per-layer lists the MACs of the layers it could resolve, for comparison.
"""
import json
import sys
from math import prod

import onnx
from onnx import numpy_helper, shape_inference


def main(path):
    model = onnx.load(path)
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    g = inferred.graph
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for n in g.node:
        if n.op_type == 'Constant':
            for a in n.attribute:
                if a.name == 'value':
                    consts[n.output[0]] = numpy_helper.to_array(a.t)
    identity = {n.output[0]: n.input[0] for n in g.node if n.op_type == 'Identity'}

    def resolve(v):
        while v in identity:
            v = identity[v]
        return v

    shapes = {}
    for vi in list(g.value_info) + list(g.input) + list(g.output):
        dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        shapes[vi.name] = dims
    for k, v in consts.items():
        shapes.setdefault(k, list(v.shape))

    layers = {}
    macs_missing = 0
    for n in g.node:
        op = n.op_type
        weight = None
        if op in ('Conv', 'ConvTranspose', 'Gemm') and len(n.input) > 1 and resolve(n.input[1]) in consts:
            weight = resolve(n.input[1])
        elif op == 'MatMul':
            for i in (1, 0):
                w = resolve(n.input[i])
                if w in consts and consts[w].ndim >= 2:
                    weight = w
                    break
        if weight is None:
            continue
        x, y, w = shapes.get(n.input[0]), shapes.get(n.output[0]), list(consts[weight].shape)
        macs = None
        if x and y and all(x) and all(y):
            if op == 'Conv':
                macs = prod(y) * prod(w[1:])
            elif op == 'ConvTranspose':
                macs = prod(x) * prod(w[1:])
            elif op == 'Gemm':
                trans_a = next((a.i for a in n.attribute if a.name == 'transA'), 0)
                macs = prod(y) * (x[0] if trans_a else x[1])
            else:
                macs = prod(y) * x[-1]
        if macs is None:
            macs_missing += 1
        entry = layers.setdefault(weight, {'op': op, 'params': int(prod(w)), 'nonzero': int((consts[weight] != 0).sum()), 'macs': 0, 'nodes': 0})
        entry['nodes'] += 1
        entry['macs'] += macs or 0

    by_op = {}
    for e in layers.values():
        by_op[e['op']] = by_op.get(e['op'], 0) + 1
    print(json.dumps({
        'model': path.split('/')[-1],
        'layers': len(layers),
        'byOp': by_op,
        'weightParams': sum(e['params'] for e in layers.values()),
        'nonZero': sum(e['nonzero'] for e in layers.values()),
        'sharedWeights': sum(1 for e in layers.values() if e['nodes'] > 1),
        'macs': sum(e['macs'] for e in layers.values()),
        'layersWithoutMacs': macs_missing,
        'macsOfLayersWithShapes': {k: e['macs'] for k, e in layers.items() if e['macs']} if '--per-layer' in sys.argv else None,
        'allFloatParams': int(sum(v.size for k, v in consts.items() if v.dtype.kind == 'f')),
        'initializerFloatParams': int(sum(numpy_helper.to_array(t).size for t in g.initializer if t.data_type in (1, 10, 11, 16))),
    }))


if __name__ == '__main__':
    for p in [a for a in sys.argv[1:] if not a.startswith('--')]:
        main(p)
