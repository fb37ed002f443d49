import { describe, expect, it } from 'vitest';
import { DatasetError, UsageError, parseYamlText } from '../../src/core/index.js';

describe('parseYamlText', () => {
  it('parses YAML (and JSON) to plain values', () => {
    expect(parseYamlText('a: [1, 2]\nb: x\n', 'f.yaml', UsageError)).toEqual({ a: [1, 2], b: 'x' });
    expect(parseYamlText('{"a": 1}', 'f.json', UsageError)).toEqual({ a: 1 });
    expect(parseYamlText('', 'f.yaml', UsageError)).toBeNull();
  });
  it('a syntax error or an unknown alias becomes the given typed error, naming the file, first parser line only', () => {
    let caught: unknown;
    try { parseYamlText('a: [1, 2\nb: 3', 'data.yaml', DatasetError); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(DatasetError);
    expect((caught as DatasetError).subject).toBe('data.yaml');
    expect((caught as Error).message).toMatch(/^data\.yaml: not valid YAML \([^\n]+\)$/);
    expect(() => parseYamlText('a: *nowhere', 'p.yaml', UsageError)).toThrow(/^p\.yaml: not valid YAML \(/);
    expect(() => parseYamlText('a: [', 'c.yaml', UsageError, 'malformed config')).toThrow(/^c\.yaml: malformed config \(/);
  });
});
