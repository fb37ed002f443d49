import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import { writeFileAtomic } from '../../src/files/index.js';
import { tempDir } from '../helpers/fixtures.js';

describe('writeFileAtomic', () => {
  it('creates parents, writes text, bytes, chunks and streams; refuses to overwrite without force', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'x', 'y', 'out.bin');
    expect(await writeFileAtomic(f, 'héllo')).toBe(6);
    expect(await readFile(f, 'utf8')).toBe('héllo');
    await expect(writeFileAtomic(f, 'other')).rejects.toThrow(`'${f}' already exists; pass --force to overwrite it`);
    expect(await readFile(f, 'utf8')).toBe('héllo');
    expect(await writeFileAtomic(f, [Uint8Array.of(1, 2), Uint8Array.of(3)], { force: true })).toBe(3);
    expect([...(await readFile(f))]).toEqual([1, 2, 3]);
    expect(await writeFileAtomic(f, async (sink) => { await sink(Uint8Array.of(9)); await sink(Uint8Array.of(8, 7)); }, { force: true })).toBe(3);
    expect([...(await readFile(f))]).toEqual([9, 8, 7]);
    expect(await readdir(path.dirname(f))).toEqual(['out.bin']); // no temp files left
  });

  it('a failing producer leaves the old file and no temp file', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'keep.txt');
    await writeFile(f, 'old');
    const err = await writeFileAtomic(f, async (sink) => { await sink(Uint8Array.of(1)); throw new Error('boom'); }, { force: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as Error).message).toBe(`'${f}': cannot write (boom)`);
    expect(await readFile(f, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['keep.txt']);
  });

  it('a target that appears while writing is not clobbered without force', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'race.txt');
    const err = await writeFileAtomic(f, async (sink) => { await writeFile(f, 'theirs'); await sink(Uint8Array.of(65)); }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/already exists; pass --force/);
    expect(await readFile(f, 'utf8')).toBe('theirs');
    expect(await readdir(dir)).toEqual(['race.txt']);
  });
});
