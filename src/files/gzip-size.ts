/**
 * Size of a file's bytes gzip-compressed (zlib's default level 6, as `gzip` and most HTTP servers use): what a
 * model costs on the wire, where zeros from unstructured pruning pay off. Node-only edge (node:zlib), off the
 * main thread (libuv's pool), so it overlaps with parsing.
 */
import { gzip } from 'node:zlib';

export function gzipSize(bytes: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => gzip(bytes, (err, out) => (err ? reject(err) : resolve(out.length))));
}

/** Files larger than this are not gzipped unless asked (`inspect --gzip`): it costs ~1 s per 15 MiB on one core. */
export const GZIP_AUTO_MAX_BYTES = 16 * 1024 * 1024;
