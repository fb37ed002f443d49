#!/usr/bin/python3
"""Reference for bench/prune.ts (dev only, never used by the product or tests): per-layer L1 unstructured pruning of
an ONNX model's Conv/ConvTranspose/Gemm/MatMul weight initializers with torch.topk, k = round(ratio * n) smallest |w|
per layer, the Detect head (the last model.<i>) left alone, written with onnx.save. Same work as
`prunekit prune MODEL --target RATIO --no-verify` with the uniform preset (every prunable layer gets RATIO).

usage: /usr/bin/python3 tools/prune_torch_ref.py MODEL OUT [RATIO]
"""
import re
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper


def main() -> None:
    src, out = sys.argv[1], sys.argv[2]
    ratio = float(sys.argv[3]) if len(sys.argv) > 3 else 0.10
    model = onnx.load(src)
    graph = model.graph
    inits = {t.name: i for i, t in enumerate(graph.initializer)}
    identity = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Identity"}
    layer_of = lambda name: (int(m.group(1)) if (m := re.match(r"^/model\.(\d+)/", name)) else -1)
    last = max(layer_of(n.name) for n in graph.node)
    weights: dict[str, int] = {}
    for n in graph.node:
        if n.op_type not in ("Conv", "ConvTranspose", "Gemm", "MatMul"):
            continue
        for slot in ((1,) if n.op_type != "MatMul" else (1, 0)):
            if slot >= len(n.input):
                continue
            name = n.input[slot]
            while name in identity:
                name = identity[name]
            if name in inits and len(graph.initializer[inits[name]].dims) >= 2:
                weights.setdefault(name, layer_of(n.name))
                break
    zeroed = total = 0
    for name, layer in weights.items():
        if layer == last:
            continue
        t = graph.initializer[inits[name]]
        w = torch.from_numpy(numpy_helper.to_array(t).copy())
        flat = w.reshape(-1)
        k = round(ratio * flat.numel())
        total += flat.numel()
        if k > 0:
            idx = torch.topk(flat.abs(), k, largest=False, sorted=False).indices
            flat[idx] = 0
            zeroed += k
        t.CopyFrom(numpy_helper.from_array(flat.reshape(w.shape).numpy().astype(np.float32, copy=False), name))
    onnx.save(model, out)
    print(f"zeroed {zeroed} of {total} prunable weights ({100 * zeroed / max(total, 1):.2f}%) in {len(weights)} layers")


if __name__ == "__main__":
    main()
