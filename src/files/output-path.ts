/**
 * Output paths, checked before any work starts (the I/O edge; Node only). One rule for every command: missing
 * parent folders are created, an existing file is replaced only with `force`, a folder is never taken for a
 * file. Folders are created one level at a time (never Node's recursive mkdir, which loops forever on paths
 * such as `/proc/nope/x` where mkdir answers ENOENT for an existing parent).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, mkdir, open, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FileError } from '../core/errors.js';

/** One output a command will write. */
export interface OutputTarget {
  path: string;
  /** How the user gave it, for messages: `-o`, `--json`, `--report`. */
  flag?: string;
  /** `file` (default) or `folder` (a folder the command fills; it may exist). */
  kind?: 'file' | 'folder';
}

export interface CheckOutputsOptions {
  /** Allow replacing existing files. */
  force?: boolean;
  /** Input files of the same run: an output may never be one of them. */
  inputs?: readonly (string | undefined)[];
  /**
   * Whether a folder accepts new files. Default: `access(W_OK|X_OK)`, then creating and removing a probe file
   * (root passes permission bits, so only a real create tells for /proc, /sys or a read-only mount).
   */
  writable?: (dir: string) => Promise<boolean>;
}

/** Deepest number of folder levels created for one output (a guard; real paths are far shallower). */
export const MAX_NEW_LEVELS = 64;

type Kind = 'missing' | 'file' | 'dir' | 'other';

async function kindOf(p: string): Promise<Kind> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // A dangling symbolic link exists although stat says ENOENT: mkdir or rename would trip over it.
      const link = await lstat(p).then(() => true, () => false);
      return link ? 'other' : 'missing';
    }
    throw new FileError(`'${p}': cannot access (${code ?? String(e)})`, p, { cause: e });
  }
}

/** Default writability test: permission bits, then a real create (see {@link CheckOutputsOptions.writable}). */
export async function canCreateIn(dir: string): Promise<boolean> {
  if (!(await access(dir, constants.W_OK | constants.X_OK).then(() => true, () => false))) return false;
  const probe = path.join(dir, `.prunekit-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await (await open(probe, 'wx')).close();
  } catch {
    return false;
  }
  await unlink(probe).catch(() => undefined);
  return true;
}

const label = (t: OutputTarget): string => (t.flag ? `${t.flag} ${t.path}` : `'${t.path}'`);

/**
 * The nearest existing ancestor folder of `p` (resolved) and the levels below it that are missing, top first.
 * FileError when that ancestor is a file (or something else that is not a folder).
 */
async function existingAncestor(p: string, what: string): Promise<{ dir: string; missing: string[] }> {
  const missing: string[] = [];
  let dir = path.resolve(p);
  for (;;) {
    const kind = await kindOf(dir);
    if (kind === 'dir') return { dir, missing };
    if (kind !== 'missing') {
      throw new FileError(`${what}: '${dir}' is ${kind === 'file' ? 'a file' : 'not a folder'}, so no folder can be created inside it; choose another path`, dir);
    }
    missing.unshift(dir);
    const up = path.dirname(dir);
    if (up === dir || missing.length > MAX_NEW_LEVELS) throw new FileError(`${what}: no existing folder above '${p}'`, p);
    dir = up;
  }
}

/** Check one output (see {@link checkOutputs}). */
export async function checkOutput(target: OutputTarget, options: CheckOutputsOptions = {}): Promise<void> {
  const what = label(target);
  const full = path.resolve(target.path);
  const kind = await kindOf(full);
  if (target.kind === 'folder') {
    if (kind === 'dir') {
      if (!(await (options.writable ?? canCreateIn)(full))) throw new FileError(`${what}: the folder is not writable; choose another path`, full);
      return;
    }
    if (kind !== 'missing') throw new FileError(`${what}: exists and is not a folder; give a folder path`, full);
  } else if (kind === 'dir') {
    throw new FileError(`${what}: is a folder; give a file path (e.g. ${path.join(target.path, 'out' + (path.extname(target.path) || ''))})`, full);
  } else if (kind === 'file' && !options.force) {
    throw new FileError(`${what}: already exists; pass --force to overwrite it`, full);
  } else if (kind === 'other') {
    throw new FileError(`${what}: exists and is not a regular file; choose another path`, full);
  }
  const { dir } = await existingAncestor(kind === 'missing' && target.kind === 'folder' ? full : path.dirname(full), what);
  if (!(await (options.writable ?? canCreateIn)(dir))) throw new FileError(`${what}: cannot create files in '${dir}' (not writable); choose another path`, dir);
}

/**
 * Check every output of a run before the work starts: each parent is a folder or can be created (the nearest
 * existing ancestor is a writable folder), an existing file needs `force`, a folder is not a file, no output is
 * an input or another output. Undefined targets (flags not given) and `-` (stdout) are skipped. Creates nothing.
 */
export async function checkOutputs(targets: readonly (OutputTarget | undefined)[], options: CheckOutputsOptions = {}): Promise<void> {
  const seen = new Map<string, OutputTarget>();
  const inputs = new Set(options.inputs?.filter((i): i is string => i !== undefined).map((i) => path.resolve(i)));
  for (const t of targets) {
    if (!t || t.path === '-') continue;
    const full = path.resolve(t.path);
    if (inputs.has(full)) throw new FileError(`${label(t)}: that is an input of this run; choose another path`, full);
    const other = seen.get(full);
    if (other) throw new FileError(`${label(t)}: the same path as ${label(other)}; give each output its own path`, full);
    seen.set(full, t);
    await checkOutput(t, options);
  }
}

/** Create folder `dir` and its missing parents, one level at a time (at most {@link MAX_NEW_LEVELS}). */
export async function ensureDir(dir: string): Promise<void> {
  const { missing } = await existingAncestor(dir, `'${dir}'`);
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await kindOf(level)) === 'dir') continue; // made meanwhile by someone else
      throw new FileError(`'${dir}': cannot create folder '${level}' (${code ?? String(e)})`, level, { cause: e });
    }
  }
}
