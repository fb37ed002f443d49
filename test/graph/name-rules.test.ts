import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/index.js';
import { nameRuleSource } from '../../src/graph/name-rules.js';

describe('nameRuleSource (the fallback)', () => {
  it('claims no class without rules and says so', () => {
    const s = nameRuleSource();
    expect(s.kind).toBe('name-rules');
    expect(s.classChain('model.9.cv1.conv')).toBeUndefined();
    expect(s.classChain('model.2.tokenc3.conv')).toBeUndefined();
    expect(s.description).toMatch(/no module classes are known/);
  });
  it('applies declared rules, first match wins, anchored as written', () => {
    const s = nameRuleSource([{ path: '^model\\.1\\.', class: 'TokenC3' }, { path: '^model\\.1\\d\\.', class: ['A', 'B'] }]);
    expect(s.classChain('model.1.cv1')).toEqual(['TokenC3']);
    expect(s.classChain('model.10.cv1')).toEqual(['A', 'B']);
    expect(s.classChain('model.2.cv1')).toBeUndefined();
    expect(s.description).toMatch(/2 user rules .* not read from the model/);
  });
  it('rejects a bad regex with a UsageError', () => {
    expect(() => nameRuleSource([{ path: '(', class: 'X' }])).toThrow(UsageError);
  });
});
