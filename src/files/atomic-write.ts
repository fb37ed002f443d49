/**
 * The one way prunekit writes a file (the I/O edge; Node only): missing parent folders are created level by
 * level, the bytes go to a temp file in the target's folder, which then replaces the target in one step (a
 * rename with `force`; a hard link without, which fails when the target appeared meanwhile). A failed write
 * leaves no temp file and never a half-written target.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, FileError } from '../core/errors.js';
import { ensureDir } from './output-path.js';

/** Streams bytes into the temp file, in order. */
export type ByteSink = (bytes: Uint8Array) => Promise<void>;

/** What to write: text (UTF-8), bytes, chunks in order, or a producer that streams into a sink. */
export type FileContent = string | Uint8Array | readonly Uint8Array[] | ((sink: ByteSink) => Promise<void>);

export interface WriteFileOptions {
  /** Replace an existing file (else FileError). */
  force?: boolean;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done)).bytesWritten;
}

async function fill(fh: FileHandle, content: FileContent): Promise<number> {
  if (typeof content === 'string') content = new TextEncoder().encode(content);
  if (content instanceof Uint8Array) {
    await writeAll(fh, content);
    return content.length;
  }
  let total = 0;
  const sink: ByteSink = async (b) => {
    await writeAll(fh, b);
    total += b.length;
  };
  if (typeof content === 'function') await content(sink);
  else for (const c of content) await sink(c);
  return total;
}

const exists = (file: string) => stat(file).then(() => true, () => false);
const refusal = (file: string) => new FileError(`'${file}' already exists; pass --force to overwrite it`, file);

/** Put the finished temp file at `file`: rename (force), else a no-clobber hard link (rename where links fail). */
async function place(tmp: string, file: string, force: boolean): Promise<void> {
  if (force) return rename(tmp, file);
  try {
    await link(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw refusal(file);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
    if (await exists(file)) throw refusal(file); // file systems without hard links
    return rename(tmp, file);
  }
  await unlink(tmp);
}

/** Write `content` to `file` atomically; resolves to the number of bytes written. */
export async function writeFileAtomic(file: string, content: FileContent, options: WriteFileOptions = {}): Promise<number> {
  const force = options.force ?? false;
  if (!force && (await exists(file))) throw refusal(file);
  const dir = path.dirname(path.resolve(file));
  await ensureDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    let bytes: number;
    const fh = await open(tmp, 'wx');
    try {
      bytes = await fill(fh, content);
    } finally {
      await fh.close();
    }
    await place(tmp, file, force);
    return bytes;
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (e instanceof FileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(`'${file}': cannot write (${code ?? errorMessage(e)})`, file, { cause: e });
  }
}
