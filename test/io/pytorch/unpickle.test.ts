import { describe, expect, it } from 'vitest';
import { toFloat32 } from '../../../src/core/convert.js';
import { ModelFormatError } from '../../../src/core/errors.js';
import { floatToBf16, floatToHalf } from '../../../src/core/half.js';
import { readCheckpoint, readCheckpointTensor } from '../../../src/io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict } from '../../../src/io/pytorch/modules.js';
import { PyDict, PyGlobal, PyList, PyObject, PySet, PyTuple } from '../../../src/io/pytorch/pickle-values.js';
import { unpickle } from '../../../src/io/pytorch/unpickle.js';
import { PickleWriter, checkpointZip } from './builders.js';

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

describe('unpickle (non-executing)', () => {
  it('decodes containers, numbers, strings, memo and globals as inert records', () => {
    const w = new PickleWriter().proto(2).emptyDict();
    w.put();
    w.mark().str('n').int(300).str('f').raw(0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0); // BINFLOAT 1.5 (big-endian)
    w.str('big').raw(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1); // LONG1 2**64
    w.str('neg').raw(0x8a, 1, 0xff); // LONG1 -1
    w.str('list').emptyList();
    const list = w.put();
    w.mark().int(1).none().bool(true).appends();
    w.str('again').get(list);
    w.str('cls').stackGlobal('ultralytics.nn.tasks', 'DetectionModel');
    w.str('set').global('builtins', 'set').mark().emptyList().tuple().reduce();
    w.setitems().stop();
    const { value, globals } = unpickle(w.bytes(), { label: 't' });
    expect(value).toBeInstanceOf(PyDict);
    const d = value as PyDict;
    expect(d.get('n')).toBe(300);
    expect(d.get('f')).toBe(1.5);
    expect(d.get('big')).toBe(2n ** 64n);
    expect(d.get('neg')).toBe(-1);
    expect((d.get('list') as PyList).items).toEqual([1, null, true]);
    expect(d.get('again')).toBe(d.get('list'));
    expect(d.get('cls')).toBeInstanceOf(PyGlobal);
    expect((d.get('cls') as PyGlobal).qualifiedName).toBe('ultralytics.nn.tasks.DetectionModel');
    expect(d.get('set')).toBeInstanceOf(PySet);
    expect(globals.map((g) => g.qualifiedName)).toEqual(['ultralytics.nn.tasks.DetectionModel', 'builtins.set']);
  });

  it('NEWOBJ + BUILD and unknown REDUCE stay records', () => {
    const w = new PickleWriter().proto(2).global('some.mod', 'Thing').emptyTuple().newobj();
    w.emptyDict().mark().str('a').int(1).setitems().build();
    const { value } = unpickle(w.stop().bytes(), { label: 't' });
    expect(value).toBeInstanceOf(PyObject);
    const o = value as PyObject;
    expect(o.global?.qualifiedName).toBe('some.mod.Thing');
    expect((o.state as PyDict).get('a')).toBe(1);
    const r = unpickle(new PickleWriter().proto(2).global('m', 'f').mark().int(7).tuple().reduce().stop().bytes(), { label: 't' }).value as PyObject;
    expect(r.via).toBe('reduce');
    expect(r.args).toEqual([7]);
  });

  it('malformed pickles end in ModelFormatError', () => {
    const cases: number[][] = [
      [0x80, 0x02], // no STOP
      [0x80, 0x02, 0x2e], // STOP on empty stack
      [0x80, 0x02, 0x52, 0x2e], // REDUCE on empty stack
      [0x80, 0x02, 0xff, 0x2e], // unknown opcode
      [0x80, 0x02, 0x68, 0x05, 0x2e], // BINGET of a missing memo slot
      [0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e], // BINUNICODE longer than the data
      [0x80, 0x02, 0x4b, 0x01, 0x4b, 0x02, 0x52, 0x2e], // REDUCE args not a tuple
      [0x80, 0x02, 0x63, 0x6f, 0x73], // GLOBAL without newline
      [0x80, 0x02, 0x28, 0x75, 0x2e], // SETITEMS with nothing to set into
    ];
    for (const c of cases) expect(() => unpickle(Uint8Array.from(c), { label: 'bad.pkl' }), c.join(',')).toThrow(ModelFormatError);
  });
});

describe('tensors from _rebuild_tensor_v2 records', () => {
  it('contiguous, strided, fp16, bf16, int64 scalar, bool and parameters', () => {
    const f32 = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const f16 = Uint16Array.from([1, 2, 3, 4, 5, 6].map((x) => floatToHalf(x)));
    const bf16 = Uint16Array.from([-1, 0.5].map((x) => floatToBf16(x)));
    const i64 = BigInt64Array.from([42n]);
    const bool = Uint8Array.from([1, 0, 1]);
    const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce();
    w.mark();
    w.str('a').tensor({ storageClass: 'FloatStorage', key: '0', storageNumel: 6, offset: 0, size: [2, 3], stride: [3, 1], parameter: true });
    // The transpose of the 2x3 fp16 matrix: shape [3,2], strides [1,3].
    w.str('t').tensor({ storageClass: 'HalfStorage', key: '1', storageNumel: 6, offset: 0, size: [3, 2], stride: [1, 3] });
    w.str('slice').tensor({ storageClass: 'FloatStorage', key: '0', storageNumel: 6, offset: 2, size: [2], stride: [3] });
    w.str('bf').tensor({ storageClass: 'BFloat16Storage', key: '2', storageNumel: 2, offset: 0, size: [2], stride: [1] });
    w.str('n').tensor({ storageClass: 'LongStorage', key: '3', storageNumel: 1, offset: 0, size: [], stride: [] });
    w.str('m').tensor({ storageClass: 'BoolStorage', key: '4', storageNumel: 3, offset: 0, size: [3], stride: [1] });
    w.setitems().stop();
    const file = checkpointZip(w.bytes(), [
      { key: '0', data: bytesOf(f32) }, { key: '1', data: bytesOf(f16) }, { key: '2', data: bytesOf(bf16) },
      { key: '3', data: bytesOf(i64) }, { key: '4', data: bool },
    ]);
    const ckpt = readCheckpoint(file, 'synthetic.pt');
    const sel = selectModel(ckpt.root);
    expect(sel.source).toBe('state_dict');
    expect(sel.note).toMatch(/no module classes/);
    const sd = selectedStateDict(sel);
    const get = (k: string) => readCheckpointTensor(ckpt, sd.find((e) => e.name === k)!.ref);
    expect(sd.find((e) => e.name === 'a')!.ref.isParameter).toBe(true);
    expect([...toFloat32(get('a'))]).toEqual([1, 2, 3, 4, 5, 6]);
    // Zero-copy: the contiguous float32 tensor is a view into the file bytes.
    expect(get('a').data.buffer).toBe(file.buffer);
    expect(get('t').dtype).toBe('float16');
    expect(get('t').dims).toEqual([3, 2]);
    expect([...toFloat32(get('t'))]).toEqual([1, 4, 2, 5, 3, 6]);
    expect([...toFloat32(get('slice'))]).toEqual([3, 6]);
    expect([...toFloat32(get('bf'))]).toEqual([-1, 0.5]);
    expect(get('n').dtype).toBe('int64');
    expect(get('n').dims).toEqual([]);
    expect(get('n').data[0]).toBe(42n);
    expect(get('m').dtype).toBe('bool');
    expect([...(get('m').data as Uint8Array)]).toEqual([1, 0, 1]);
    expect(ckpt.formatVersion).toBe('3');
    expect(ckpt.archiveName).toBe('archive');
  });

  it('a tensor reaching past its storage is a ModelFormatError', () => {
    const w = new PickleWriter().proto(2).emptyDict().mark();
    w.str('x').tensor({ storageClass: 'FloatStorage', key: '0', storageNumel: 2, offset: 1, size: [4], stride: [1] });
    w.setitems().stop();
    const ckpt = readCheckpoint(checkpointZip(w.bytes(), [{ key: '0', data: new Uint8Array(8) }]), 'x.pt');
    const sd = selectedStateDict(selectModel(ckpt.root));
    expect(() => readCheckpointTensor(ckpt, sd[0]!.ref)).toThrow(/x\.pt: tensor in storage 0 reaches element 4/);
  });

  it('a missing storage entry is a ModelFormatError', () => {
    const w = new PickleWriter().proto(2).emptyDict().mark();
    w.str('x').tensor({ storageClass: 'FloatStorage', key: '9', storageNumel: 1, offset: 0, size: [1], stride: [1] });
    const ckpt = readCheckpoint(checkpointZip(w.setitems().stop().bytes()), 'x.pt');
    expect(() => readCheckpointTensor(ckpt, selectedStateDict(selectModel(ckpt.root))[0]!.ref)).toThrow(/storage 9 missing/);
  });

  it('empty tuples are shared, as in CPython', () => {
    const { value } = unpickle(new PickleWriter().proto(2).mark().emptyTuple().emptyTuple().tuple().stop().bytes(), { label: 't' });
    const items = (value as PyTuple).items;
    expect(items[0]).toBe(items[1]);
  });
});
