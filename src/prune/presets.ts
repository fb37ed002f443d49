/**
 * Built-in presets (data). Ratios are fractions of each layer's weights set to zero. Categories are in
 * priority order: a layer belongs to the first category with a class anywhere in its class chain, so a Conv
 * inside a TokenC3 is TokenC3, not plain Conv.
 */
import { UsageError } from '../core/errors.js';
import { HEAD_CLASSES, type Category, type Preset } from './preset.js';

const PLAIN_CONV = ['Conv', 'DWConv', 'DownsampleConv', 'GhostConv', 'RepConv', 'Focus', 'ConvTranspose'];
const PLAIN_CONV_NOTE =
  'Ultralytics conv wrappers at the top level. DownsampleConv (AvgPool + one 1x1 Conv, model.11 in YOLOv13) is a plain conv and goes here.';
/** A2C2f's attention blocks live at `model.<i>.m.*` (its ABlocks); with a yaml source that is all we know. */
const A2C2F_BLOCKS = { classes: ['A2C2f'], path: '^model\\.\\d+\\.m\\.' };

const dsc: Category = { name: 'DSC', ratio: 0.15, rules: [{ classes: ['DSC3k2', 'DSC3k', 'DSConv', 'DSBottleneck'] }] };
const plainConv: Category = { name: 'Conv', ratio: 0.22, rules: [{ classes: PLAIN_CONV }], note: PLAIN_CONV_NOTE };
const head = { classes: HEAD_CLASSES, ratio: 0.05 };

const TOKENC3_LSNET: Preset = {
  name: 'tokenc3-lsnet',
  description: "The users' YOLOv13 + TokenC3 + LSNet table (TokenC3 6%, HyperACE 4%, LSNet 8%, FullPAD 10%, attention 12%, DSC 15%, Conv 22%, Detect protected).",
  categories: [
    { name: 'TokenC3', ratio: 0.06, rules: [{ classes: ['TokenC3', 'LSConv', 'LSGhostBottleneck'] }] },
    { name: 'HyperACE', ratio: 0.04, rules: [{ classes: ['HyperACE'] }] },
    { name: 'LSNet', ratio: 0.08, rules: [{ classes: ['LSNet', 'LSBlock', 'LKP', 'SKA', 'RepVGGDW', 'Conv2d_BN'] }], note: 'other LSNet parts' },
    { name: 'FullPAD_Tunnel', ratio: 0.1, rules: [{ classes: ['FullPAD_Tunnel'] }] },
    {
      name: 'attention', ratio: 0.12, rules: [{ classes: ['AAttn', 'ABlock', 'DynamicLocalMixer'] }, A2C2F_BLOCKS],
      note: "attention and local mixers: AAttn, A2C2f's attention blocks (ABlock, or model.<i>.m.* of an A2C2f), DynamicLocalMixer",
    },
    dsc,
    plainConv,
  ],
  default: { name: 'other', ratio: 0.1 },
  head,
};

const YOLOV13: Preset = {
  name: 'yolov13',
  description: 'YOLOv13: HyperACE 4%, FullPAD_Tunnel 10%, A2C2f 12%, DSC3k2/DSConv 15%, Conv 22%, Detect protected.',
  categories: [
    { name: 'HyperACE', ratio: 0.04, rules: [{ classes: ['HyperACE'] }] },
    { name: 'FullPAD_Tunnel', ratio: 0.1, rules: [{ classes: ['FullPAD_Tunnel'] }] },
    { name: 'A2C2f', ratio: 0.12, rules: [{ classes: ['A2C2f', 'ABlock', 'AAttn'] }], note: 'A2C2f with its attention blocks' },
    { name: 'DSC3k2', ratio: 0.15, rules: [{ classes: ['DSC3k2', 'DSC3k', 'DSBottleneck'] }] },
    { name: 'DSConv', ratio: 0.15, rules: [{ classes: ['DSConv'] }] },
    plainConv,
  ],
  default: { name: 'other', ratio: 0.1 },
  head,
};

const YOLOV8: Preset = {
  name: 'yolov8',
  description: 'YOLOv8: C2f 10%, SPPF 5%, Conv 20%, Detect protected.',
  categories: [
    { name: 'C2f', ratio: 0.1, rules: [{ classes: ['C2f', 'C3', 'Bottleneck'] }] },
    { name: 'SPPF', ratio: 0.05, rules: [{ classes: ['SPPF', 'SPP'] }] },
    { ...plainConv, ratio: 0.2 },
  ],
  default: { name: 'other', ratio: 0.1 },
  head,
};

const YOLO11: Preset = {
  name: 'yolo11',
  description: 'YOLO11: C2PSA/Attention 8%, C3k2 12%, SPPF 5%, Conv 20%, Detect protected.',
  categories: [
    { name: 'C2PSA', ratio: 0.08, rules: [{ classes: ['C2PSA', 'C2fPSA', 'PSABlock', 'Attention'] }], note: 'C2PSA and its attention' },
    { name: 'C3k2', ratio: 0.12, rules: [{ classes: ['C3k2', 'C3k'] }] },
    { name: 'SPPF', ratio: 0.05, rules: [{ classes: ['SPPF'] }] },
    { ...plainConv, ratio: 0.2 },
  ],
  default: { name: 'other', ratio: 0.1 },
  head,
};

const UNIFORM: Preset = {
  name: 'uniform',
  description: 'One ratio (10%) for every layer; the head is protected.',
  categories: [],
  default: { name: 'all', ratio: 0.1 },
  head,
};

export const PRESETS: ReadonlyMap<string, Preset> = new Map([TOKENC3_LSNET, YOLOV13, YOLOV8, YOLO11, UNIFORM].map((p) => [p.name, p]));

/** A built-in preset by name; UsageError listing the names otherwise. */
export function getPreset(name: string): Preset {
  const p = PRESETS.get(name);
  if (!p) throw new UsageError(`unknown preset '${name}'; built-in presets: ${[...PRESETS.keys()].join(', ')} (or pass --config file)`, name);
  return p;
}
