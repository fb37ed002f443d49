import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import { inputReadError, readInputFile, readWeightsFile, readWhole } from '../../src/files/read-whole.js';
import { tempDir } from '../helpers/fixtures.js';

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('readInputFile / readWeightsFile', () => {
  it('returns every byte of the file', async () => {
    const dir = await tempDir('read-whole');
    const f = path.join(dir, 'w.pt');
    const bytes = Uint8Array.from({ length: 70_001 }, (_, i) => (i * 31) % 251);
    await writeFile(f, bytes);
    expect(await readWeightsFile(f)).toEqual(bytes);
    expect(await readInputFile(f, 'model')).toEqual(bytes);
    expect(await readWhole(f, 10)).toEqual(bytes.subarray(0, 10));
  });

  it('names the file and its kind when it is missing or a directory', async () => {
    const dir = await tempDir('read-whole-errors');
    const missing = path.join(dir, 'absent.pt');
    await expect(readWeightsFile(missing)).rejects.toThrow(new FileError(`'${missing}': checkpoint file not found`, missing));
    await expect(readInputFile(missing, 'prune config')).rejects.toThrow(`'${missing}': prune config file not found`);
    const sub = path.join(dir, 'd.onnx');
    await mkdir(sub);
    const e = await readInputFile(sub).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FileError);
    expect((e as FileError).message).toBe(`'${sub}': is a directory, expected a model file`);
  });
});

describe('inputReadError', () => {
  it('maps ENOENT and ENOTDIR to "not found", EISDIR to "is a directory", anything else to the fs problem', () => {
    expect(inputReadError('a', 'model', errno('ENOENT', 'x')).message).toBe(`'a': model file not found`);
    expect(inputReadError('a/b', 'model', errno('ENOTDIR', 'x')).message).toBe(`'a/b': model file not found`);
    expect(inputReadError('d', 'checkpoint', errno('EISDIR', 'x')).message).toBe(`'d': is a directory, expected a checkpoint file`);
    const denied = inputReadError('p', 'checkpoint', errno('EACCES', "EACCES: permission denied, open 'p'\nmore"));
    expect(denied.message).toBe(`'p': cannot read the checkpoint file (EACCES: permission denied, open 'p')`);
    expect(denied.subject).toBe('p');
  });

  it('rethrows what is not a file-system error (a bug) unchanged', () => {
    const bug = new TypeError('boom');
    expect(() => inputReadError('a', 'model', bug)).toThrow(bug);
  });
});
