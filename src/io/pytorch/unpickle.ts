/**
 * A non-executing unpickler (protocols 0–5). Globals become inert {@link PyGlobal} records; REDUCE, NEWOBJ,
 * INST/OBJ and BUILD build inert {@link PyObject} records; persistent ids go to a data-only hook. Nothing is ever
 * imported, resolved or called: a pickle asking for `os.system` yields a record saying so, nothing more.
 * Every read is bounds-checked and each opcode consumes input, so malformed data ends in a ModelFormatError.
 */
import { ModelFormatError } from '../../core/errors.js';
import { PyDict, PyGlobal, PyList, PyObject, PyPersistent, PySet, PyTuple, type PickleValue } from './pickle-values.js';
import { asciiStrings } from './text.js';

export interface UnpickleOptions {
  /** Name used in error messages (file and entry). */
  label: string;
  /** Turn a persistent id into a value (data only). Default: a {@link PyPersistent} record. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
  /**
   * Interpret a reduction of a known data-only constructor (e.g. a tensor rebuild). Return undefined to keep the
   * default inert record. Must not execute anything.
   */
  reduce?: (callable: PickleValue, args: readonly PickleValue[]) => PickleValue | undefined;
}

export interface UnpickleResult {
  value: PickleValue;
  /** Every distinct global the pickle named, in first-seen order. */
  globals: PyGlobal[];
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function longFromBytes(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Built-in data-only reductions: OrderedDict(), set(list), frozenset(list), _codecs.encode(str, 'latin1'). */
function builtinReduce(callable: PickleValue, args: readonly PickleValue[]): PickleValue | undefined {
  if (!(callable instanceof PyGlobal)) return undefined;
  const m = callable.module;
  const n = callable.name;
  if (m === 'collections' && n === 'OrderedDict' && args.length === 0) return new PyDict(true);
  if ((m === '__builtin__' || m === 'builtins') && (n === 'set' || n === 'frozenset')) {
    const first = args[0];
    const items = args.length === 0 ? [] : first instanceof PyList || first instanceof PyTuple ? [...first.items] : undefined;
    if (items) return new PySet(items, n === 'frozenset');
  }
  if (m === '_codecs' && n === 'encode' && typeof args[0] === 'string' && (args[1] === 'latin1' || args[1] === 'latin-1')) {
    const s = args[0];
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
    return out;
  }
  return undefined;
}

/** Unpickle `data` without executing anything. */
export function unpickle(data: Uint8Array, options: UnpickleOptions): UnpickleResult {
  return new Unpickler(data, options).run();
}

/**
 * The machine. The hot loop handles the opcodes torch checkpoints are made of; the rest go through
 * {@link Unpickler.rare}, which keeps the hot function small enough for the JIT to optimise early.
 */
class Unpickler {
  private pos = 0;
  private readonly n: number;
  private readonly view: DataView;
  private readonly stack: PickleValue[] = [];
  private readonly marks: number[] = [];
  private readonly memo: PickleValue[] = [];
  private readonly globalsSeen = new Map<string, PyGlobal>();
  private readonly persistentLoad: (pid: PickleValue) => PickleValue;
  /** UTF-8 strings of the pickle (mostly short ASCII identifiers: slices of the pickle decoded once). */
  private readonly strings: { get(start: number, end: number): string };

  constructor(private readonly data: Uint8Array, private readonly options: UnpickleOptions) {
    this.n = data.length;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.strings = asciiStrings(data, utf8);
    this.persistentLoad = options.persistentLoad ?? ((pid: PickleValue) => new PyPersistent(pid));
  }

  private fail(what: string, at = this.pos - 1): never {
    throw new ModelFormatError(`${this.options.label}: malformed pickle (${what} at byte ${at})`, this.options.label);
  }

  private need(k: number): number {
    if (k < 0 || this.pos + k > this.n) this.fail('unexpected end of data', this.pos);
    const p = this.pos;
    this.pos += k;
    return p;
  }
  private u8(): number { return this.data[this.need(1)]!; }
  private u16(): number { return this.view.getUint16(this.need(2), true); }
  private u32(): number { return this.view.getUint32(this.need(4), true); }
  private i32(): number { return this.view.getInt32(this.need(4), true); }
  private u64(): number { const lo = this.u32(); return this.u32() * 2 ** 32 + lo; }
  private bytes(k: number): Uint8Array { const p = this.need(k); return this.data.subarray(p, p + k); }
  private utf8(k: number): string { const p = this.need(k); return this.strings.get(p, p + k); }
  private line(): string {
    const start = this.pos;
    let p = start;
    while (p < this.n && this.data[p] !== 0x0a) p++;
    if (p >= this.n) this.fail('unterminated line', start);
    this.pos = p + 1;
    return latin1.decode(this.data.subarray(start, p));
  }

  private floor(): number {
    const m = this.marks.length;
    return m > 0 ? this.marks[m - 1]! : 0;
  }
  private pop(): PickleValue {
    if (this.stack.length <= this.floor()) this.fail('stack underflow');
    return this.stack.pop()!;
  }
  private top(): PickleValue {
    if (this.stack.length <= this.floor()) this.fail('empty stack');
    return this.stack[this.stack.length - 1]!;
  }
  private popMark(): PickleValue[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail('missing MARK');
    return this.stack.splice(m);
  }
  private memoGet(i: number): PickleValue {
    const v = this.memo[i];
    if (v === undefined) this.fail(`memo key ${i} missing`);
    return v;
  }
  private memoPut(i: number): void {
    if (!Number.isSafeInteger(i) || i < 0 || i > this.n) this.fail(`bad memo key ${i}`);
    this.memo[i] = this.top();
  }
  private global(module: string, name: string): PyGlobal {
    const key = `${module}\n${name}`;
    let g = this.globalsSeen.get(key);
    if (!g) {
      g = new PyGlobal(module, name);
      this.globalsSeen.set(key, g);
    }
    return g;
  }
  private reduce(callable: PickleValue, args: readonly PickleValue[]): PickleValue {
    return this.options.reduce?.(callable, args) ?? builtinReduce(callable, args) ?? new PyObject(callable, args, 'reduce');
  }
  private setItems(target: PickleValue, kv: readonly PickleValue[]): void {
    if (kv.length % 2 !== 0) this.fail('odd number of SETITEMS values');
    const map = target instanceof PyDict ? target.map : target instanceof PyObject ? (target.dictItems ??= new Map()) : this.fail('SETITEMS on a non-dict');
    for (let i = 0; i < kv.length; i += 2) map.set(kv[i]!, kv[i + 1]!);
  }
  private appendItems(target: PickleValue, items: readonly PickleValue[]): void {
    if (target instanceof PyList) for (const x of items) target.items.push(x);
    else if (target instanceof PyObject) for (const x of items) (target.listItems ??= []).push(x);
    else this.fail('APPEND on a non-list');
  }
  private build(obj: PickleValue, state: PickleValue): void {
    if (!(obj instanceof PyObject)) return; // e.g. tensor state: nothing to keep
    if (obj.state instanceof PyDict && state instanceof PyDict) for (const [k, v] of state.map) obj.state.map.set(k, v);
    else obj.state = state;
  }
  private str(v: PickleValue, what: string): string {
    return typeof v === 'string' ? v : this.fail(`${what} is not a string`);
  }

  run(): UnpickleResult {
    const stack = this.stack;
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x68: stack.push(this.memoGet(this.u8())); break; // BINGET
        case 0x6a: stack.push(this.memoGet(this.u32())); break; // LONG_BINGET
        case 0x71: this.memoPut(this.u8()); break; // BINPUT
        case 0x72: this.memoPut(this.u32()); break; // LONG_BINPUT
        case 0x94: this.memoPut(this.memo.length); break; // MEMOIZE
        case 0x29: stack.push(PyTuple.EMPTY); break; // EMPTY_TUPLE
        case 0x4b: stack.push(this.u8()); break; // BININT1
        case 0x4d: stack.push(this.u16()); break; // BININT2
        case 0x4a: stack.push(this.i32()); break; // BININT
        case 0x28: this.marks.push(stack.length); break; // MARK
        case 0x88: stack.push(true); break;
        case 0x89: stack.push(false); break;
        case 0x4e: stack.push(null); break; // NONE
        case 0x58: stack.push(this.utf8(this.u32())); break; // BINUNICODE
        case 0x8c: stack.push(this.utf8(this.u8())); break; // SHORT_BINUNICODE
        case 0x47: stack.push(this.view.getFloat64(this.need(8), false)); break; // BINFLOAT (big-endian)
        case 0x85: { const a = this.pop(); stack.push(new PyTuple([a])); break; }
        case 0x86: { const b = this.pop(); const a = this.pop(); stack.push(new PyTuple([a, b])); break; }
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); stack.push(new PyTuple([a, b, c])); break; }
        case 0x74: stack.push(new PyTuple(this.popMark())); break; // TUPLE
        case 0x5d: stack.push(new PyList([])); break; // EMPTY_LIST
        case 0x7d: stack.push(new PyDict()); break; // EMPTY_DICT
        case 0x75: { const kv = this.popMark(); this.setItems(this.top(), kv); break; } // SETITEMS
        case 0x52: { // REDUCE
          const args = this.pop();
          const callable = this.pop();
          if (!(args instanceof PyTuple)) this.fail('REDUCE arguments are not a tuple');
          stack.push(this.reduce(callable, args.items));
          break;
        }
        case 0x81: { // NEWOBJ
          const args = this.pop();
          const cls = this.pop();
          stack.push(new PyObject(cls, args instanceof PyTuple ? args.items : [args], 'newobj'));
          break;
        }
        case 0x62: { const state = this.pop(); this.build(this.top(), state); break; } // BUILD
        case 0x51: stack.push(this.persistentLoad(this.pop())); break; // BINPERSID
        case 0x2e: { // STOP
          const value = this.pop();
          return { value, globals: [...this.globalsSeen.values()] };
        }
        default: this.rare(op);
      }
    }
  }

  private rare(op: number): void {
    const stack = this.stack;
    const at = this.pos - 1;
    switch (op) {
      case 0x80: this.u8(); break; // PROTO
      case 0x95: this.u64(); break; // FRAME: framing is transparent here
      case 0x30: this.pop(); break; // POP
      case 0x31: this.popMark(); break; // POP_MARK
      case 0x32: stack.push(this.top()); break; // DUP
      case 0x8a: stack.push(longFromBytes(this.bytes(this.u8()))); break; // LONG1
      case 0x8b: stack.push(longFromBytes(this.bytes(this.i32()))); break; // LONG4
      case 0x49: { // INT
        const s = this.line();
        if (s === '00') stack.push(false);
        else if (s === '01') stack.push(true);
        else if (/^[-+]?\d+$/.test(s)) stack.push(Number.parseInt(s, 10));
        else this.fail('bad INT', at);
        break;
      }
      case 0x4c: { // LONG
        const s = this.line().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) this.fail('bad LONG', at);
        const v = BigInt(s);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x46: stack.push(Number.parseFloat(this.line())); break; // FLOAT
      case 0x8d: stack.push(this.utf8(this.u64())); break; // BINUNICODE8
      case 0x56: stack.push(this.line()); break; // UNICODE (raw-unicode-escape; kept as read)
      case 0x53: stack.push(this.line().replace(/^(['"])(.*)\1$/, '$2')); break; // STRING
      case 0x54: stack.push(latin1.decode(this.bytes(this.i32()))); break; // BINSTRING
      case 0x55: stack.push(latin1.decode(this.bytes(this.u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(this.bytes(this.u32())); break; // BINBYTES
      case 0x43: stack.push(this.bytes(this.u8())); break; // SHORT_BINBYTES
      case 0x8e: stack.push(this.bytes(this.u64())); break; // BINBYTES8
      case 0x96: stack.push(this.bytes(this.u64())); break; // BYTEARRAY8
      case 0x98: break; // READONLY_BUFFER
      case 0x97: this.fail('out-of-band buffers (NEXT_BUFFER) are not supported', at); break;
      case 0x6c: stack.push(new PyList(this.popMark())); break; // LIST
      case 0x64: { const d = new PyDict(); this.setItems(d, this.popMark()); stack.push(d); break; } // DICT
      case 0x8f: stack.push(new PySet([], false)); break; // EMPTY_SET
      case 0x91: stack.push(new PySet(this.popMark(), true)); break; // FROZENSET
      case 0x90: { // ADDITEMS
        const items = this.popMark();
        const s = this.top();
        if (!(s instanceof PySet)) this.fail('ADDITEMS on a non-set', at);
        s.items.push(...items);
        break;
      }
      case 0x61: { const v = this.pop(); this.appendItems(this.top(), [v]); break; } // APPEND
      case 0x65: { const items = this.popMark(); this.appendItems(this.top(), items); break; } // APPENDS
      case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); break; } // SETITEM
      case 0x67: stack.push(this.memoGet(Number.parseInt(this.line(), 10))); break; // GET
      case 0x70: this.memoPut(Number.parseInt(this.line(), 10)); break; // PUT
      case 0x63: { const module = this.line(); const name = this.line(); stack.push(this.global(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = this.str(this.pop(), 'STACK_GLOBAL name');
        const module = this.str(this.pop(), 'STACK_GLOBAL module');
        stack.push(this.global(module, name));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = this.pop();
        const args = this.pop();
        const cls = this.pop();
        stack.push(new PyObject(cls, [...(args instanceof PyTuple ? args.items : [args]), kwargs], 'newobj'));
        break;
      }
      case 0x69: { // INST
        const module = this.line();
        const name = this.line();
        stack.push(new PyObject(this.global(module, name), this.popMark(), 'inst'));
        break;
      }
      case 0x6f: { // OBJ
        const items = this.popMark();
        if (items.length === 0) this.fail('OBJ without class', at);
        stack.push(new PyObject(items[0]!, items.slice(1), 'inst'));
        break;
      }
      case 0x50: stack.push(this.persistentLoad(this.line())); break; // PERSID
      case 0x82: case 0x83: case 0x84: this.fail('extension registry opcodes (EXT1/2/4) are not supported', at); break;
      default: this.fail(`unknown opcode 0x${op.toString(16)}`, at);
    }
  }
}
