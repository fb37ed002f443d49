/**
 * Tracing rules for Conv and ConvTranspose: a plain conv starts a new root (its output channels) and consumes
 * its input's channels on weight axis 1; a depthwise conv passes channels through (group = channels); a grouped
 * conv (1 < group < channels) starts a root too, and both its input and output channels must shrink evenly over
 * its groups (a 'grouped' edit the policy honours). A protected (head) conv keeps its own output channels (it starts no root) but, unless its
 * inputs are protected too, loses the input slices of channels its producers remove (Torch-Pruning's
 * `ignored_layers` semantics).
 */
import type { NodeProto } from 'onnx-buf';
import { tensorDims } from '../../io/onnx/bytes.js';
import { modulePathFromNodeName } from '../module-path.js';
import { constantOf, intAttr } from '../onnx-graph.js';
import type { TraceState } from './state.js';

export interface ConvPolicy {
  /** Node is protected (e.g. the detection head): its output channels are kept and stay untraced. */
  frozen: boolean;
  /** With `frozen`: its input channels are kept too (barrier), instead of shrinking with their producers. */
  keepInputs: boolean;
  /** Output channels of this conv must not be pruned (user ignore list). */
  ignored: boolean;
}

function addBias(s: TraceState, node: NodeProto, i: number, map: Int32Array): void {
  const bias = node.input[2];
  if (!bias) return;
  const ref = constantOf(s.g, bias);
  if (ref && tensorDims(ref.proto).length === 1 && Number(ref.proto.dims[0]) === map.length) {
    s.members.push({ role: 'param', node: i, input: 2, tensor: ref.name, axis: 0, map });
  } else if (!ref) {
    s.pin(node, map, 'conv bias is computed at run time');
  }
}

export function traceConv(s: TraceState, node: NodeProto, i: number, policy: ConvPolicy): void {
  const x = node.input[0];
  const inMap = s.map(x);
  const wRef = node.input[1] ? constantOf(s.g, node.input[1]) : undefined;
  if (policy.frozen && policy.keepInputs) { s.pinInputs(node, 'protected layer (detection head)'); return; }
  if (!wRef) { s.pinInputs(node, 'conv weight is computed at run time'); return; }
  const dims = tensorDims(wRef.proto);
  const group = intAttr(node, 'group', 1);
  const transpose = node.opType === 'ConvTranspose';
  const out = node.output[0];
  if (group === 1) {
    const inAxis = transpose ? 0 : 1;
    if (inMap) {
      if (dims[inAxis] === inMap.length) s.members.push({ role: 'in', node: i, input: 1, tensor: wRef.name, axis: inAxis, map: inMap });
      else s.pin(node, inMap, `weight '${wRef.name}' does not match the input channels`);
    }
    if (policy.frozen) return;
    const outAxis = transpose ? 1 : 0;
    const channels = dims[outAxis] ?? 0;
    const map = s.addRoot(i, node.name, wRef.name, modulePathFromNodeName(node.name) ?? '', channels);
    s.members.push({ role: 'out', node: i, input: 1, tensor: wRef.name, axis: outAxis, map });
    addBias(s, node, i, map);
    if (policy.ignored) s.pin(node, map, 'ignored layer');
    s.setMap(out, map, dims.length);
    return;
  }
  const outCh = dims[0] ?? 0;
  if (!transpose && inMap && dims[1] === 1 && group === inMap.length && outCh % group === 0) {
    const mult = outCh / group;
    const map = new Int32Array(outCh);
    for (let j = 0; j < outCh; j++) map[j] = inMap[Math.floor(j / mult)]!;
    s.members.push({ role: 'out', node: i, input: 1, tensor: wRef.name, axis: 0, map });
    addBias(s, node, i, map);
    s.edits.push({ kind: 'group', node: i, map: inMap });
    if (policy.ignored) s.pin(node, map, 'ignored layer');
    s.setMap(out, map, dims.length);
    return;
  }
  const inPerGroup = dims[1] ?? 0;
  if (!transpose && outCh % group === 0 && (!inMap || inMap.length === inPerGroup * group)) {
    if (inMap) s.members.push({ role: 'in', node: i, input: 1, tensor: wRef.name, axis: 1, map: inMap, groups: group });
    if (policy.frozen) { if (inMap) s.edits.push({ kind: 'grouped', node: i, groups: group, maps: [inMap] }); return; }
    const map = s.addRoot(i, node.name, wRef.name, modulePathFromNodeName(node.name) ?? '', outCh);
    s.members.push({ role: 'out', node: i, input: 1, tensor: wRef.name, axis: 0, map });
    addBias(s, node, i, map);
    s.edits.push({ kind: 'grouped', node: i, groups: group, maps: inMap ? [inMap, map] : [map] });
    if (policy.ignored) s.pin(node, map, 'ignored layer');
    s.setMap(out, map, dims.length);
    return;
  }
  s.pinInputs(node, `grouped ${node.opType} (group=${group})`);
}
