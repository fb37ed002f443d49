/**
 * Typed errors. Every message names the thing concerned (file, tensor, key) and, where one exists, the fix.
 * The CLI prints `error: <message>` and exits with code 2 for any {@link PrunekitError}.
 */
export class PrunekitError extends Error {
  /** Path, tensor name or key the error concerns, when there is one. */
  readonly subject: string | undefined;
  constructor(message: string, subject?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.subject = subject;
  }
}

/** The bytes of a model or checkpoint are not what their format requires (truncated, corrupt, wrong format). */
export class ModelFormatError extends PrunekitError {}

/** A model uses an operator, dtype or construct prunekit cannot handle for the requested operation. */
export class UnsupportedOpError extends PrunekitError {}

/** The user asked for something impossible or inconsistent: bad flag, bad value, bad config file. */
export class UsageError extends PrunekitError {}

/** A dataset (yaml, label files, images, COCO json) is missing or malformed. */
export class DatasetError extends PrunekitError {}

/** Reading or writing a file failed (missing, a directory, permission, exists without --force). */
export class FileError extends PrunekitError {}

/** True for errors prunekit raised on purpose (as opposed to bugs). */
export function isPrunekitError(e: unknown): e is PrunekitError {
  return e instanceof PrunekitError;
}

/**
 * The message of anything thrown: `e.message` for an Error, `String(e)` otherwise.
 * `firstLine` keeps only the first line (parsers such as `yaml` append a multi-line code frame).
 */
export function errorMessage(e: unknown, options: { firstLine?: boolean } = {}): string {
  const msg = e instanceof Error ? e.message : String(e);
  return options.firstLine ? (msg.split('\n')[0] ?? '') : msg;
}

/** The errno code (`ENOENT`, `EACCES`, …) of a file-system error, or undefined when `e` is not one. */
export function errnoCode(e: unknown): string | undefined {
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** True when a file-system error says the path does not exist (ENOENT, or ENOTDIR: a parent is a file). */
export function isNotFound(e: unknown): boolean {
  const code = errnoCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The one-line reason of a file-system error other than "not found" (e.g. `EACCES: permission denied, open '…'`),
 * for a typed error's message. Anything that is not a file-system error is a bug: it is rethrown unchanged.
 */
export function fsProblem(e: unknown): string {
  if (errnoCode(e) === undefined) throw e;
  return errorMessage(e, { firstLine: true });
}
