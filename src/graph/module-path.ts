/**
 * Module paths from ONNX node names. torch.onnx names nodes after the module scope that produced them:
 * `/model.9/branch1/m/cv1/conv/Conv` → `model.9.branch1.m.cv1.conv`. Initializer names are unreliable
 * (exporters rename about one in six to `onnx::Conv_123`), so node names are the primary source.
 */

/**
 * Module path of a node from its name, or undefined when the name carries no scope.
 *
 * torch.onnx names every called module's scope by the tail of its qualified name: the last non-numeric atom
 * and the indices after it (`model.2.layers.0` → `layers.0`, `model.6.m.0.0` → `m.0.0`). When a container is
 * itself called (a Sequential), its scope (`layers`) precedes the child's (`layers.0`), which repeats it;
 * merging that overlap gives the real path: `/model.2/layers/layers.0/c/Conv` → `model.2.layers.0.c`,
 * `/model.6/m.0/m.0.0/attn/qk/conv/Conv` → `model.6.m.0.0.attn.qk.conv`.
 */
export function modulePathFromNodeName(nodeName: string): string | undefined {
  if (!nodeName.startsWith('/')) return undefined;
  const segments = nodeName.slice(1).split('/');
  segments.pop();
  const atoms: string[] = [];
  for (const segment of segments) {
    if (!segment) continue;
    const parts = segment.split('.');
    // An indexed scope (`name.0…`) may repeat the tail of the path so far (`…name` or `…name.0`).
    if (parts.length > 1 && parts.slice(1).every((p) => /^\d+$/.test(p))) {
      const head = atoms.lastIndexOf(parts[0]!);
      if (head >= 0 && head >= atoms.length - parts.length && atoms.slice(head).every((a, i) => a === parts[i])) atoms.length = head;
    }
    atoms.push(...parts);
  }
  const path = atoms.join('.');
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
