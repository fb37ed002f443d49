/**
 * Tensor-level errors (`tensor 'w': …`) do not know which file they came from; the functions that work on a
 * whole model run through {@link inFile}, which prefixes the model's path to typed errors that lack it.
 */
import { PrunekitError } from '../../core/errors.js';

type ErrorClass = new (message: string, subject?: string, options?: { cause?: unknown }) => PrunekitError;

/** Run `fn`; a typed error whose message does not name `file` is re-thrown (same class) with `'file': ` in front. */
export function inFile<T>(file: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!file || !(e instanceof PrunekitError) || e.message.includes(file)) throw e;
    const Cls = e.constructor as ErrorClass;
    throw new Cls(`'${file}': ${e.message}`, e.subject ?? file, { cause: e });
  }
}
