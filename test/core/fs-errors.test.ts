/**
 * Errors are not swallowed: a file-system failure other than "not found" is reported as what it is, and a
 * non-file-system error (a bug) propagates unchanged. ELOOP (a symlink to itself) and EISDIR stand in for
 * EACCES, which cannot be provoked when the tests run as root.
 */
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, FileError, errnoCode, fsProblem, isNotFound } from '../../src/core/errors.js';
import { calibrationImagePaths } from '../../src/eval/calibration.js';
import { listImages, openCocoDataset } from '../../src/eval/dataset/index.js';
import { readInputFile } from '../../src/files/onnx-file.js';
import { tempDir } from '../helpers/fixtures.js';

const errno = (code: string): Error => Object.assign(new Error(`${code}: something, stat 'x'\nmore`), { code });

describe('errno helpers', () => {
  it('isNotFound is ENOENT and ENOTDIR only', () => {
    expect(isNotFound(errno('ENOENT'))).toBe(true);
    expect(isNotFound(errno('ENOTDIR'))).toBe(true);
    for (const code of ['EACCES', 'EPERM', 'EISDIR', 'ELOOP']) expect(isNotFound(errno(code))).toBe(false);
    expect(isNotFound(new TypeError('x'))).toBe(false);
    expect(errnoCode(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeUndefined();
  });
  it('fsProblem gives the first line of a file-system error and rethrows anything else', () => {
    expect(fsProblem(errno('EACCES'))).toBe("EACCES: something, stat 'x'");
    const bug = new TypeError('cannot read properties of undefined');
    expect(() => fsProblem(bug)).toThrow(bug);
  });
});

describe('a path that exists but cannot be read is not reported as missing', () => {
  it('model file, calibration source, dataset image source, COCO json', async () => {
    const dir = await tempDir('prunekit-fserr-');
    const loop = path.join(dir, 'loop');
    await symlink(loop, loop);
    const folder = path.join(dir, 'folder.json');
    await mkdir(folder);

    const model = readInputFile(loop, 'model');
    await expect(model).rejects.toThrow(FileError);
    await expect(readInputFile(loop, 'model')).rejects.toThrow(/cannot read the model file \(ELOOP/);
    await expect(readInputFile(path.join(dir, 'missing.onnx'), 'model')).rejects.toThrow(/model file not found/);

    await expect(calibrationImagePaths(loop)).rejects.toThrow(DatasetError);
    await expect(calibrationImagePaths(loop)).rejects.toThrow(/cannot read \(ELOOP/);
    await expect(calibrationImagePaths(path.join(dir, 'nope'))).rejects.toThrow(/no such file or folder/);

    await expect(listImages([loop], 'val')).rejects.toThrow(/dataset key 'val': cannot read .*\(ELOOP/);
    await expect(listImages([path.join(dir, 'nope')], 'val')).rejects.toThrow(/does not exist/);

    await expect(openCocoDataset(folder)).rejects.toThrow(/cannot read the COCO annotations \(EISDIR/);
    await expect(openCocoDataset(path.join(dir, 'nope.json'))).rejects.toThrow(/COCO annotations not found/);
  });
});
