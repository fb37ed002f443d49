import { describe, expect, it } from 'vitest';
import { ASCII_TEXT_MAX_BYTES, asciiStrings } from '../../../src/io/pytorch/text.js';
import { unpickle } from '../../../src/io/pytorch/unpickle.js';
import { readZip } from '../../../src/io/pytorch/zip.js';
import { PickleWriter, torchZip } from './builders.js';

const utf8 = new TextDecoder('utf-8');

describe('asciiStrings', () => {
  it('gives ASCII strings as slices and decodes a string with a byte ≥ 0x80 with the decoder', () => {
    const bytes = new TextEncoder().encode('model.0.convConv2d_ébn€x');
    const s = asciiStrings(bytes, utf8);
    expect(s.get(0, 7)).toBe('model.0');
    expect(s.get(8, 12)).toBe('conv');
    expect(s.get(12, 21)).toBe('Conv2d_é'); // 'é' is two bytes
    expect(s.get(21, 26)).toBe('bn€'); // '€' is three bytes: windows-1252 would give other characters
    expect(s.get(26, 27)).toBe('x');
    expect(s.get(3, 3)).toBe('');
  });

  it('decodes each string on its own past ASCII_TEXT_MAX_BYTES, with the same results', () => {
    const bytes = new Uint8Array(ASCII_TEXT_MAX_BYTES + 8).fill(0x61);
    bytes.set(new TextEncoder().encode('Conv_é'), 100);
    const s = asciiStrings(bytes, utf8);
    expect(s.get(0, 5)).toBe('aaaaa');
    expect(s.get(100, 107)).toBe('Conv_é');
    expect(s.get(bytes.length - 3, bytes.length)).toBe('aaa');
  });

  it('reaches the unpickler (short and long, ASCII and UTF-8 strings) and the zip directory (entry names)', () => {
    const long = 'x'.repeat(70);
    const w = new PickleWriter().proto(2).emptyDict().mark().str('Größe').str(long).str(`${long}ß`).str('k').setitems().stop();
    const d = unpickle(w.bytes(), { label: 't' }).value as { map: Map<unknown, unknown> };
    expect([...d.map]).toEqual([['Größe', long], [`${long}ß`, 'k']]);
    const zip = readZip(torchZip('archive', [{ name: 'data.pkl', data: w.bytes() }, { name: 'data/0', data: new Uint8Array(4) }]), 'z');
    expect(zip.entries.map((e) => e.name)).toEqual(['archive/data.pkl', 'archive/data/0']);
  });
});
