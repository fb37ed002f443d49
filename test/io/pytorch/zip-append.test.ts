/** appendStoredEntry: one more stored entry, no existing entry moved, end records (zip64 too) updated. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/io/pytorch/crc32.js';
import { appendStoredEntry } from '../../../src/io/pytorch/zip-append.js';
import { entryBytes, readZip } from '../../../src/io/pytorch/zip.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';
import { torchZip } from './builders.js';

const enc = (s: string) => new TextEncoder().encode(s);

function checkAppended(bytes: Uint8Array, names: string[]): void {
  let cur = bytes;
  for (const name of names) {
    const zip = readZip(cur, 't');
    const data = enc(`{"record":"${name}"}`);
    const before = cur.slice();
    const out = appendStoredEntry(cur, zip, name, data, 't');
    expect(Buffer.compare(Buffer.from(cur), Buffer.from(before))).toBe(0);
    const z2 = readZip(out, 't');
    expect(z2.entries.length).toBe(zip.entries.length + 1);
    expect(z2.entries.slice(0, -1).map((e) => [e.name, e.localHeaderOffset, e.dataOffset, e.size, e.crc32])).toEqual(zip.entries.map((e) => [e.name, e.localHeaderOffset, e.dataOffset, e.size, e.crc32]));
    // Every byte up to the old central directory is unchanged.
    expect(Buffer.compare(Buffer.from(out.subarray(0, zip.cdOffset)), Buffer.from(cur.subarray(0, zip.cdOffset)))).toBe(0);
    const added = z2.entries.at(-1)!;
    expect([added.name, added.method, added.dataOffset % 64, added.crc32]).toEqual([name, 0, 0, crc32(data)]);
    expect(entryBytes(out, added, 't')).toEqual(data);
    expect(z2.cdOffset).toBe(added.dataOffset + data.length);
    expect(out.length - z2.cdOffset - z2.cdSize).toBe(cur.length - zip.cdOffset - zip.cdSize);
    cur = out;
  }
}

describe('appendStoredEntry', () => {
  it('a torch-style zip (plain end record): entries kept, new one aligned with its CRC, counts updated; twice', () => {
    const bytes = torchZip('archive', [{ name: 'data.pkl', data: enc('pickle') }, { name: 'data/0', data: new Uint8Array(100).fill(7) }]);
    checkAppended(bytes, ['archive/prunekit', 'archive/prunekit.2']);
  });
});

describeFixtures('appendStoredEntry on a real checkpoint', () => {
  it('yolov5n_ppe.pt (zip64 end records, as torch.save writes them)', () => {
    const bytes = new Uint8Array(readFileSync(fixture('models', 'yolov5n_ppe.pt')));
    checkAppended(bytes, ['archive/prunekit', 'archive/prunekit.2']);
  });
});
