/**
 * Pruning presets are data: ordered categories, each with match rules and a ratio. A layer belongs to the first
 * category one of whose rules matches (a rule matches when all its given conditions hold); unmatched layers go
 * to the default category. The detection head is recognised separately (see head.ts) and protected unless
 * `--prune-head`, when it takes `head.ratio`.
 */
import type { LayerOp } from '../graph/index.js';
import type { NameRule } from '../graph/name-rules.js';

export interface MatchRule {
  /** Any of these class names appears anywhere in the layer's class chain (module prefixes ignored). */
  classes?: readonly string[];
  /** Regular expression tested against the module path (`model.9.cv1.conv`). */
  path?: string;
  /** The layer's ONNX op is one of these. */
  op?: readonly LayerOp[];
  /** Depthwise (groups > 1, one input channel per group) or not. */
  depthwise?: boolean;
}

export interface Category {
  name: string;
  /** Fraction of the category's weights to zero, in [0, 1). */
  ratio: number;
  /** Cap when `--target` scales ratios (default {@link DEFAULT_MAX}). */
  max?: number;
  /** Never pruned, whatever the target. */
  protected?: boolean;
  /** The category matches when any rule matches. */
  rules: readonly MatchRule[];
  /** Why the category exists / what it holds, for `prunekit presets`. */
  note?: string;
}

export interface Preset {
  name: string;
  description: string;
  categories: readonly Category[];
  /** Category of layers no rule matches. */
  default: { name: string; ratio: number; max?: number };
  /** Head classes (recognised anywhere in a chain) and the ratio used for the head with `--prune-head`. */
  head: { classes: readonly string[]; ratio: number; max?: number };
  /** Path → class rules for models without a class source (see graph/name-rules.ts). */
  nameRules?: readonly NameRule[];
}

/** Default cap on a category's ratio when `--target` scales the preset. */
export const DEFAULT_MAX = 0.95;

/** Ultralytics head modules (the detection head is protected by default). */
export const HEAD_CLASSES: readonly string[] = [
  'Detect', 'Segment', 'Pose', 'OBB', 'Classify', 'v10Detect', 'WorldDetect', 'YOLOEDetect', 'YOLOESegment',
  'RTDETRDecoder', 'ImagePoolingAttn',
];

/** Human text of a rule: `class TokenC3|LSConv`, `path ^model\.2\.`, … joined with ` & `. */
export function describeRule(rule: MatchRule): string {
  const parts: string[] = [];
  if (rule.classes) parts.push(`class ${rule.classes.join('|')}`);
  if (rule.path !== undefined) parts.push(`path /${rule.path}/`);
  if (rule.op) parts.push(`op ${rule.op.join('|')}`);
  if (rule.depthwise !== undefined) parts.push(rule.depthwise ? 'depthwise' : 'not depthwise');
  return parts.length > 0 ? parts.join(' & ') : 'any layer';
}
