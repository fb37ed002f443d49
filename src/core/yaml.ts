/** Parsing YAML text into plain values, with parse failures turned into a typed error that names the file. */
import { parse, YAMLError } from 'yaml';
import { errorMessage, type PrunekitError } from './errors.js';

/** A typed-error constructor ({@link UsageError}, {@link DatasetError}, ...). */
export type PrunekitErrorClass = new (message: string, subject?: string, options?: { cause?: unknown }) => PrunekitError;

/**
 * Parse YAML `text` from `file`. A syntax error (`YAMLError`) or a bad alias (the `yaml` package reports
 * unknown or excessive aliases as `ReferenceError`) becomes `ErrorClass` with the message
 * `<file>: <problem> (<first line of the parser's message>)`; anything else is a bug and propagates unchanged.
 */
export function parseYamlText(text: string, file: string, ErrorClass: PrunekitErrorClass, problem = 'not valid YAML'): unknown {
  try {
    return parse(text);
  } catch (e) {
    if (!(e instanceof YAMLError || e instanceof ReferenceError)) throw e;
    throw new ErrorClass(`${file}: ${problem} (${errorMessage(e, { firstLine: true })})`, file, { cause: e });
  }
}
