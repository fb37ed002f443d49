import { chmod, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import { canCreateIn, checkOutput, checkOutputs, ensureDir, MAX_NEW_LEVELS } from '../../src/files/index.js';
import { tempDir } from '../helpers/fixtures.js';

describe('checkOutputs: every output path checked before work, nothing created', () => {
  it('a missing parent chain is fine and is not created by the check', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'a', 'b', 'c', 'r.md');
    await checkOutputs([{ path: file, flag: '--md' }]);
    await expect(stat(path.join(dir, 'a'))).rejects.toThrow();
  });

  it('a parent (or any ancestor) that is a file: clear error naming it', async () => {
    const dir = await tempDir();
    const model = path.join(dir, 'model.onnx');
    await writeFile(model, 'x');
    const err = await checkOutput({ path: path.join(model, 'r.html'), flag: '--report' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as Error).message).toBe(`--report ${path.join(model, 'r.html')}: '${model}' is a file, so no folder can be created inside it; choose another path`);
    await expect(checkOutput({ path: path.join(model, 'deeper', 'r.html') })).rejects.toThrow(`'${model}' is a file`);
  });

  it('an existing file needs force; an existing folder is never a file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'r.json');
    await writeFile(file, '{}');
    await expect(checkOutput({ path: file, flag: '--json' })).rejects.toThrow(`--json ${file}: already exists; pass --force to overwrite it`);
    await expect(checkOutput({ path: file }, { force: true })).resolves.toBeUndefined();
    await expect(checkOutput({ path: dir, flag: '--json' }, { force: true })).rejects.toThrow(/: is a folder; give a file path/);
    // A folder output may exist (its files are checked one by one); a file where a folder is wanted may not.
    await expect(checkOutput({ path: dir, kind: 'folder' })).resolves.toBeUndefined();
    await expect(checkOutput({ path: file, kind: 'folder', flag: '-o' }, { force: true })).rejects.toThrow(/-o .*r\.json: exists and is not a folder/);
  });

  it('/proc and /sys: not writable even for root (a real create is tried), and fails at once', async () => {
    const t0 = Date.now();
    await expect(checkOutput({ path: '/proc/nope/r.md', flag: '--md' })).rejects.toThrow("--md /proc/nope/r.md: cannot create files in '/proc' (not writable)");
    await expect(checkOutput({ path: '/proc/r.md' })).rejects.toThrow(/not writable/);
    await expect(checkOutput({ path: '/sys/nope/r.md' })).rejects.toThrow("cannot create files in '/sys'");
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await canCreateIn('/proc')).toBe(false);
  });

  it('not writable: the injected check decides (root passes permission bits, so chmod proves nothing here)', async () => {
    const dir = await tempDir();
    const ro = path.join(dir, 'ro');
    await mkdir(ro);
    const writable = async (d: string) => d !== ro;
    await expect(checkOutput({ path: path.join(ro, 'x', 'y.onnx'), flag: '-o' }, { writable })).rejects.toThrow(`cannot create files in '${ro}' (not writable)`);
    await expect(checkOutput({ path: ro, kind: 'folder' }, { writable })).rejects.toThrow(/the folder is not writable/);
    await expect(checkOutput({ path: path.join(dir, 'ok.onnx') }, { writable })).resolves.toBeUndefined();
    // With real permission bits the default check agrees for non-root users (and does not crash for root).
    await chmod(ro, 0o555);
    expect(await canCreateIn(ro)).toBe(process.getuid?.() === 0);
    await chmod(ro, 0o755);
    expect(await readdir(ro)).toEqual([]); // the probe leaves nothing behind
  });

  it('an output equal to an input, or to another output, is refused even with force', async () => {
    const dir = await tempDir();
    const a = path.join(dir, 'a.json');
    await expect(checkOutputs([{ path: a, flag: '--json' }], { inputs: [undefined, path.join(dir, '.', 'a.json')], force: true })).rejects.toThrow(/that is an input of this run/);
    await expect(checkOutputs([{ path: a, flag: '--md' }, { path: a, flag: '--json' }])).rejects.toThrow(`--json ${a}: the same path as --md ${a}`);
    await expect(checkOutputs([undefined, { path: '-', flag: '--json' }])).resolves.toBeUndefined();
  });

  it('a dangling symbolic link is not a place to write', async () => {
    const dir = await tempDir();
    const link = path.join(dir, 'dangling');
    await symlink(path.join(dir, 'missing-target'), link);
    await expect(checkOutput({ path: link }, { force: true })).rejects.toThrow(/exists and is not a regular file/);
  });
});

describe('ensureDir: level by level, bounded', () => {
  it('creates every missing level and accepts an existing folder', async () => {
    const dir = await tempDir();
    const deep = path.join(dir, 'a', 'b', 'c');
    await ensureDir(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await ensureDir(deep);
  });

  it('under /proc it fails at once (Node\'s recursive mkdir loops there forever)', async () => {
    await expect(ensureDir('/proc/nope/deeper')).rejects.toThrow("'/proc/nope/deeper': cannot create folder '/proc/nope' (ENOENT)");
  });

  it('refuses more than MAX_NEW_LEVELS new levels', async () => {
    const dir = await tempDir();
    const tooDeep = path.join(dir, ...Array.from({ length: MAX_NEW_LEVELS + 2 }, () => 'd'));
    await expect(ensureDir(tooDeep)).rejects.toThrow(/no existing folder above/);
    await expect(stat(path.join(dir, 'd'))).rejects.toThrow();
  });
});
