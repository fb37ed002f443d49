/**
 * Read a PyTorch `.pt` (torch.save zip format, torch ≥ 1.6) without executing anything: the zip directory, the
 * `data.pkl` pickle as inert records, and the storages (`<archive>/data/<key>`) as views into the file bytes.
 */
import type { Tensor } from '../../core/dtype.js';
import { ModelFormatError, UnsupportedOpError } from '../../core/errors.js';
import { crc32 } from './crc32.js';
import { PyGlobal, PyPersistent, StorageRef, type PickleValue, type PtTensorRef } from './pickle-values.js';
import { materializeTensor, storageFromPid, torchReduce } from './tensors.js';
import { unpickle } from './unpickle.js';
import { entryBytes, readZip, type ZipArchive, type ZipEntry } from './zip.js';

export interface PtCheckpoint {
  /** File name for messages. */
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly zip: ZipArchive;
  /** Archive folder inside the zip (`archive`, `best`, ...). */
  readonly archiveName: string;
  /** The unpickled root object (an Ultralytics dict, a module record, a state_dict...). */
  readonly root: PickleValue;
  /** Every distinct global named by the pickle. */
  readonly globals: readonly PyGlobal[];
  /** Storages referenced by the pickle, by key. */
  readonly storages: ReadonlyMap<string, StorageRef>;
  /** Content of `<archive>/version` when present. */
  readonly formatVersion: string | undefined;
}

/** Magic number torch's legacy (pre-1.6) format pickles first: 0x1950a86a20f9469cfc6c as a LONG1. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

function looksLegacy(b: Uint8Array): boolean {
  if (LEGACY_MAGIC.every((v, i) => b[i] === v)) return true;
  return b.length > 2 && b[0] === 0x80 && b[1]! >= 2 && b[1]! <= 5;
}

const text = new TextDecoder('utf-8');

/** Parse a `.pt` checkpoint. Throws ModelFormatError (truncated, legacy format, corrupt pickle) with `label` in it. */
export function readCheckpoint(bytes: Uint8Array, label = 'checkpoint'): PtCheckpoint {
  if (looksLegacy(bytes)) {
    throw new ModelFormatError(`${label}: legacy .pt format (pickle, not zip) not supported, re-save with torch ≥ 1.6 (torch.save(torch.load(f), f))`, label);
  }
  const zip = readZip(bytes, label);
  const pkl = zip.entries.find((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (!pkl) {
    const torchscript = zip.entries.some((e) => e.name.endsWith('constants.pkl'));
    throw new ModelFormatError(
      torchscript
        ? `${label}: a TorchScript archive, not a torch.save checkpoint; use the original .pt from training`
        : `${label}: zip has no data.pkl; not a PyTorch checkpoint`,
      label,
    );
  }
  const archiveName = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length).replace(/\/$/, '');
  const prefix = archiveName ? `${archiveName}/` : '';
  const pklBytes = entryBytes(bytes, pkl, label);
  if (crc32(pklBytes) !== pkl.crc32) throw new ModelFormatError(`${label}: ${pkl.name} fails its CRC-32 check (file corrupt)`, label);
  const byteorder = zip.byName.get(`${prefix}byteorder`);
  if (byteorder && text.decode(entryBytes(bytes, byteorder, label)).trim() === 'big') {
    throw new UnsupportedOpError(`${label}: big-endian checkpoint; re-save it on a little-endian machine`, label);
  }
  const version = zip.byName.get(`${prefix}version`) ?? zip.byName.get(`${prefix}.data/version`);
  const storages = new Map<string, StorageRef>();
  const { value, globals } = unpickle(pklBytes, {
    label: `${label}:${pkl.name}`,
    persistentLoad: (pid) => {
      const s = storageFromPid(pid);
      if (!s) return new PyPersistent(pid);
      const known = storages.get(s.key);
      if (known) return known;
      storages.set(s.key, s);
      return s;
    },
    reduce: torchReduce,
  });
  return {
    label, bytes, zip, archiveName, root: value, globals, storages,
    formatVersion: version ? text.decode(entryBytes(bytes, version, label)).trim() : undefined,
  };
}

/** Zip entry holding a storage. */
export function storageEntry(ckpt: PtCheckpoint, storage: StorageRef): ZipEntry {
  const prefix = ckpt.archiveName ? `${ckpt.archiveName}/` : '';
  const e = ckpt.zip.byName.get(`${prefix}data/${storage.key}`);
  if (!e) throw new ModelFormatError(`${ckpt.label}: storage ${storage.key} missing from the archive (${prefix}data/${storage.key})`, storage.key);
  return e;
}

/** The values of a tensor record (a view into the file bytes when contiguous and aligned). */
export function readCheckpointTensor(ckpt: PtCheckpoint, ref: PtTensorRef): Tensor {
  const e = storageEntry(ckpt, ref.storage);
  return materializeTensor(ref, entryBytes(ckpt.bytes, e, ckpt.label), ckpt.label);
}
