/**
 * Accuracy budget (`--max-drop`): how much each metric may drop from base to candidate.
 *
 * Syntax: comma-separated `METRIC=VALUE` items. METRIC is `map50`, `map50-95` (or `map5095`), `precision` (`p`)
 * or `recall` (`r`). VALUE is either relative to the base value, with a `%` sign (`map50=2%`: the candidate may
 * lose at most 2% of the base mAP50), or absolute in metric units, a plain fraction (`map50=0.02`: at most 0.02
 * = 2 points of mAP50) or points with `pt`/`pts` (`map50=2pt`, the same thing).
 */
import { UsageError } from '../core/index.js';
import type { AccuracyMetric, AccuracyValues, BudgetCheck, BudgetRule, BudgetSection } from './types.js';

const METRICS: Readonly<Record<string, AccuracyMetric>> = {
  map50: 'map50', 'map50-95': 'map5095', map5095: 'map5095', 'map50:95': 'map5095',
  precision: 'precision', p: 'precision', recall: 'recall', r: 'recall',
};

/** Parse a `--max-drop` value; UsageError naming the bad item and the accepted forms. */
export function parseMaxDrop(text: string): BudgetRule[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new UsageError(`--max-drop '${text}': empty; expected e.g. map50=2%,map50-95=0.03`);
  const seen = new Set<AccuracyMetric>();
  return items.map((item) => {
    const m = /^([a-z0-9:-]+)\s*=\s*([0-9]*\.?[0-9]+)\s*(%|pts?)?$/i.exec(item);
    const metric = m ? METRICS[m[1]!.toLowerCase()] : undefined;
    if (!m || !metric) {
      throw new UsageError(
        `--max-drop item '${item}': expected METRIC=VALUE with METRIC one of map50, map50-95, precision, recall and VALUE like 2% (relative), 0.02 or 2pt (absolute)`,
      );
    }
    if (seen.has(metric)) throw new UsageError(`--max-drop: ${m[1]} is given twice`);
    seen.add(metric);
    const num = Number(m[2]);
    const unit = m[3]?.toLowerCase();
    if (unit === '%') {
      if (num > 100) throw new UsageError(`--max-drop item '${item}': a relative drop above 100% means no budget`);
      return { metric, kind: 'relative', value: num / 100, text: item };
    }
    const value = unit === undefined ? num : num / 100;
    if (value > 1) throw new UsageError(`--max-drop item '${item}': absolute drops are fractions (0.02) or points (2pt); ${m[2]} is above 1`);
    return { metric, kind: 'absolute', value, text: item };
  });
}

/** Check every rule against base and candidate metrics. Pure. */
export function checkBudget(rules: readonly BudgetRule[], base: AccuracyValues, candidate: AccuracyValues): BudgetSection {
  const checks: BudgetCheck[] = rules.map((rule) => {
    const b = base[rule.metric];
    const c = candidate[rule.metric];
    const drop = b - c;
    const allowedDrop = rule.kind === 'relative' ? rule.value * b : rule.value;
    return { rule, base: b, candidate: c, drop, allowedDrop, ok: drop <= allowedDrop + 1e-12 };
  });
  return { checks, ok: checks.every((c) => c.ok) };
}

/** Display name of a metric. */
export function metricName(m: AccuracyMetric): string {
  return { precision: 'P', recall: 'R', map50: 'mAP50', map5095: 'mAP50-95' }[m];
}
