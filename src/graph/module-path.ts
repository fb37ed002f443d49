/**
 * Module paths from ONNX node names. torch.onnx names nodes after the module scope that produced them:
 * `/model.9/branch1/m/cv1/conv/Conv` → `model.9.branch1.m.cv1.conv`. Initializer names are unreliable
 * (exporters rename about one in six to `onnx::Conv_123`), so node names are the primary source.
 */

/** Module path of a node from its name, or undefined when the name carries no scope. */
export function modulePathFromNodeName(nodeName: string): string | undefined {
  if (!nodeName.startsWith('/')) return undefined;
  const parts = nodeName.slice(1).split('/');
  parts.pop();
  const path = parts.join('.');
  return path.length > 0 ? path : undefined;
}

/** Module path from a parameter name (`model.9.cv1.conv.weight` → `model.9.cv1.conv`), or undefined. */
export function modulePathFromTensorName(name: string): string | undefined {
  if (name.startsWith('onnx::') || !name.includes('.')) return undefined;
  return name.replace(/\.(weight|bias|running_mean|running_var)$/, '');
}

/** Top-level Ultralytics layer index of a path (`model.12.m.0` → 12), or undefined. */
export function layerIndexOf(modulePath: string): number | undefined {
  const m = /^model\.(\d+)(?:\.|$)/.exec(modulePath);
  return m ? Number(m[1]) : undefined;
}

/** True when `path` is `prefix` or lies below it (`model.1` contains `model.1.cv1` but not `model.10`). */
export function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix + '.');
}
