export { formatBenchText, formatBytes, formatMs } from './bench-text.js';
