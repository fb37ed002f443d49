export { resolveLayout, LAYOUT_DESCRIPTIONS, OUTPUT_LAYOUTS } from './layouts.js';
export type { OutputLayout, ResolvedLayout } from './layouts.js';
export { decodeOutput } from './decode.js';
export type { DecodedOutput, DenseCandidates, Detections } from './decode.js';
