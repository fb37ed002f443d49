export { nonMaxSuppression, NMS_DEFAULTS, MAX_WH } from './nms.js';
export type { NmsOptions } from './nms.js';
