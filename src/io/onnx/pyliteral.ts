/**
 * A parser for the Python literals Ultralytics writes into ONNX metadata (`str(dict)`): dicts, lists, tuples,
 * strings with either quote and backslash escapes, ints, floats, True/False/None. Nothing is evaluated.
 */
export type PyValue = string | number | boolean | null | PyValue[] | Map<string | number, PyValue>;

export class PyLiteralError extends Error {}

export function parsePyLiteral(text: string): PyValue {
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i]!)) i++; };
  const fail = (msg: string): never => { throw new PyLiteralError(`${msg} at offset ${i}`); };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === undefined) return fail('unexpected end');
    if (c === '{') return dict();
    if (c === '[' || c === '(') return list(c === '[' ? ']' : ')');
    if (c === "'" || c === '"') return str(c);
    const m = /^(True|False|None|[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|nan))/.exec(text.slice(i));
    if (!m) return fail(`unexpected '${c}'`);
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace('inf', 'Infinity').replace('nan', 'NaN'));
  };
  const str = (q: string): string => {
    i++;
    let out = '';
    while (i < text.length && text[i] !== q) {
      const ch = text[i]!;
      if (ch === '\\') {
        const n = text[i + 1] ?? '';
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
        if (n === 'x' || n === 'u') {
          const len = n === 'x' ? 2 : 4;
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 2 + len), 16));
          i += 2 + len;
          continue;
        }
        out += map[n] ?? n;
        i += 2;
        continue;
      }
      out += ch;
      i++;
    }
    if (text[i] !== q) fail('unterminated string');
    i++;
    return out;
  };
  const list = (close: string): PyValue[] => {
    i++;
    const out: PyValue[] = [];
    for (;;) {
      ws();
      if (text[i] === close) { i++; return out; }
      out.push(value());
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== close) fail(`expected ',' or '${close}'`);
    }
  };
  const dict = (): Map<string | number, PyValue> => {
    i++;
    const out = new Map<string | number, PyValue>();
    for (;;) {
      ws();
      if (text[i] === '}') { i++; return out; }
      const k = value();
      if (typeof k !== 'string' && typeof k !== 'number') fail('dict key must be a string or number');
      ws();
      if (text[i] !== ':') fail("expected ':'");
      i++;
      out.set(k as string | number, value());
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== '}') fail("expected ',' or '}'");
    }
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}
