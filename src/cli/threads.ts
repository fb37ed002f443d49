/**
 * The one `--threads` default of every command that runs a model (val, bench, compare, run, demo): every core
 * this process may use, set explicitly (see {@link defaultThreads}) so that reports print the real number.
 */
import { defaultThreads } from '../runtime/session.js';

export { defaultThreads };

/** Help text of `--threads`, with the number it defaults to on this machine. */
export function threadsHelp(): string {
  return `onnxruntime intra-op threads per session (default: all cores, ${defaultThreads()} here)`;
}
