/** Kept for imports written before outputs.ts; new code imports from './outputs.js'. */
export { writeJson } from './outputs.js';
