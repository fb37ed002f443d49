#!/usr/bin/python3
"""Reference for bench/prune.ts (dev only, never used by the product or tests): per-layer L1 unstructured pruning of
an ONNX model's Conv/ConvTranspose/Gemm/MatMul weight initializers with torch.topk, k = round(ratio * n) smallest |w|
per layer, the Detect head (the last model.<i>) left alone, written with onnx.save. Same work as
`prunekit prune MODEL --target RATIO --no-verify` with the uniform preset (every prunable layer gets RATIO).

usage: /usr/bin/python3 tools/prune_torch_ref.py MODEL OUT [RATIO] [--phases]
--phases prints one JSON line: CPU ms (user + system, time.process_time) of each phase, as bench/prune-phases.ts
measures the Node CLI: interpreter start, imports, onnx.load, the per-layer prune, onnx.save.
"""
import time

_CPU_AT_START = time.process_time()  # interpreter start-up (CPU used before this line)

import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402

_CPU_AFTER_IMPORTS = time.process_time()


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--phases"]
    src, out = args[0], args[1]
    ratio = float(args[2]) if len(args) > 2 else 0.10
    phases = {"python start": _CPU_AT_START * 1000, "import numpy + onnx + torch": (_CPU_AFTER_IMPORTS - _CPU_AT_START) * 1000}
    clock = {"last": time.process_time()}

    def mark(name: str) -> None:
        now = time.process_time()
        phases[name] = (now - clock["last"]) * 1000
        clock["last"] = now

    model = onnx.load(src)
    mark("onnx.load (read + parse)")
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
    mark("prune (per-layer topk, zero, re-encode)")
    onnx.save(model, out)
    mark("onnx.save (serialise + write)")
    if "--phases" in sys.argv:
        print(json.dumps(phases))
        return
    print(f"zeroed {zeroed} of {total} prunable weights ({100 * zeroed / max(total, 1):.2f}%) in {len(weights)} layers")


if __name__ == "__main__":
    main()
