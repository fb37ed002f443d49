import { describe, expect, it } from 'vitest';
import { formatBytes, formatCountDelta, formatMetricDelta, formatRelative, formatSparsity } from '../../src/report/format.js';
import { niceTicks, esc } from '../../src/report/svg.js';

describe('formatting', () => {
  it('formats deltas absolute and relative', () => {
    expect(formatMetricDelta(0.5, 0.48)).toBe('−2.0 pts (−4.0%)');
    expect(formatMetricDelta(0.5, 0.5)).toBe('0.0 pts (±0%)');
    expect(formatRelative(0, 3)).toBe('–');
    expect(formatCountDelta(1000, 900)).toBe('−100 (−10.0%)');
    expect(formatCountDelta(1000, 1000)).toBe('±0 (±0%)');
    expect(formatCountDelta(null, 5)).toBe('–');
    expect(formatSparsity(1000, 900)).toBe('10.0%');
    expect(formatBytes(3 * 2 ** 20)).toBe('3.0 MiB');
  });
  it('escapes markup and picks nice ticks', () => {
    expect(esc('<a href="x">&\'')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(43.2, 61.7, 6)).toEqual([45, 50, 55, 60]);
  });
});
