/**
 * The fallback ClassSource: classes from module-path rules. A path (`model.9.cv1.conv`) never contains a class
 * name, so prunekit ships no built-in guesses: only rules the user declares (`nameRules` in a prune config,
 * e.g. `{ path: '^model\.(2|4)\.', class: 'TokenC3' }`) give a class, and the report says the classes came from
 * name rules. With no rules, every chain is unknown and layers fall to path/op conditions or the default category.
 */
import { UsageError, errorMessage } from '../core/errors.js';
import type { ClassSource } from './class-source.js';

export interface NameRule {
  /** Regular expression tested against the module path. */
  path: string;
  /** Class (or chain, outermost first) the rule assigns. */
  class: string | readonly string[];
}

export interface NameRuleSource extends ClassSource {
  readonly kind: 'name-rules';
  readonly rules: readonly NameRule[];
}

/** Compile name rules; UsageError naming the rule when a regex does not compile. */
export function nameRuleSource(rules: readonly NameRule[] = []): NameRuleSource {
  const compiled = rules.map((r, i) => {
    try {
      return { re: new RegExp(r.path), chain: typeof r.class === 'string' ? [r.class] : [...r.class] };
    } catch (e) {
      throw new UsageError(`name rule ${i} ('${r.path}'): not a valid regular expression (${errorMessage(e)})`, r.path);
    }
  });
  const description = rules.length === 0
    ? 'none given: name rules only, and no rules declared, so no module classes are known (pass --arch model.yaml or a .pt for real classes)'
    : `name rules (${rules.length} user rule${rules.length === 1 ? '' : 's'} on module paths; classes are as declared, not read from the model)`;
  return {
    kind: 'name-rules',
    rules,
    description,
    classChain(modulePath: string) {
      for (const r of compiled) if (r.re.test(modulePath)) return r.chain;
      return undefined;
    },
  };
}
