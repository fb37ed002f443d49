#!/usr/bin/python3
"""Dev cross-check (never used by the product or CI): run onnx.checker (full check) and strict shape inference
on ONNX files, e.g. models written by `prunekit prune --structured`. Uses Debian's python3-onnx.

usage: /usr/bin/python3 tools/check_onnx.py MODEL.onnx [MORE.onnx ...]
Exit code 0 when every model passes, 1 otherwise.
"""
import sys

import onnx
from onnx import shape_inference


def check(path: str) -> bool:
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        outs = {o.name: [d.dim_value or d.dim_param for d in o.type.tensor_type.shape.dim] for o in inferred.graph.output}
        print(f"ok    {path}: opset {model.opset_import[0].version}, {len(model.graph.node)} nodes, outputs {outs}")
        return True
    except Exception as e:  # noqa: BLE001 - report any checker failure
        print(f"FAIL  {path}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        return False


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    results = [check(p) for p in sys.argv[1:]]
    sys.exit(0 if all(results) else 1)
