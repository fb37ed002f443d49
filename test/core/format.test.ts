import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatBytes, formatCompact, formatCount, formatCountDelta, formatDuration, formatFraction, formatFractionDelta, formatMs, formatNumber,
  formatPercent, formatRatio, formatRelative, formatSigned, formatSignedPercent, formatSparsity, MINUS, MISSING,
} from '../../src/core/format.js';
import { niceTicks, esc } from '../../src/report/svg.js';

/** Undo the formatting: drop separators, turn U+2212 back into '-'. */
const parse = (s: string): number => Number(s.replace(/,/g, '').replace(MINUS, '-'));

describe('formatNumber', () => {
  it('groups thousands and uses U+2212 for negatives', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(-1234567.25, 1)).toBe(`${MINUS}1,234,567.3`);
    expect(formatNumber(999.96, 1)).toBe('1,000.0');
    expect(formatNumber(-0.4)).toBe('0');
    expect(formatNumber(123, 2)).toBe('123.00');
  });
  it('never prints a negative zero, whatever rounds to zero', () => {
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(-0, 3)).toBe('0.000');
    expect(formatNumber(-0.0004, 3)).toBe('0.000');
    expect(formatNumber(-0.0005000001, 3)).toBe(`${MINUS}0.001`);
    fc.assert(fc.property(fc.double({ min: -0.0049, max: 0.0049, noNaN: true }), (v) => formatNumber(v, 2) === '0.00'));
  });
  it('spells out huge numbers instead of exponent notation', () => {
    expect(formatNumber(1e21)).toBe('1,000,000,000,000,000,000,000');
    expect(formatNumber(-(2 ** 75), 1)).toBe(`${MINUS}37,778,931,862,957,161,709,568.0`); // the exact double
    expect(formatNumber(Number.MAX_SAFE_INTEGER)).toBe('9,007,199,254,740,991');
  });
  it('prints – for NaN, infinities, null and undefined', () => {
    for (const v of [NaN, Infinity, -Infinity, null, undefined]) {
      expect(formatNumber(v, 2)).toBe(MISSING);
      expect(formatSigned(v, 2)).toBe(MISSING);
      expect(formatPercent(v)).toBe(MISSING);
      expect(formatBytes(v)).toBe(MISSING);
      expect(formatCompact(v)).toBe(MISSING);
      expect(formatMs(v)).toBe(MISSING);
      expect(formatRatio(v)).toBe(MISSING);
    }
    expect(formatFractionDelta(NaN, 0.5)).toBe(MISSING);
  });
  it('round-trips: the printed value is the value rounded to the digits (property)', () => {
    fc.assert(fc.property(fc.double({ min: -1e15, max: 1e15, noNaN: true }), fc.integer({ min: 0, max: 4 }), (v, d) => {
      const s = formatNumber(v, d);
      expect(s).not.toContain('-');
      expect(s).not.toMatch(/e/);
      expect(/^\u2212?\d{1,3}(,\d{3})*(\.\d+)?$/.test(s)).toBe(true);
      expect(Math.abs(parse(s) - v)).toBeLessThanOrEqual(0.5 * 10 ** -d * (1 + 1e-9) + Math.abs(v) * 1e-15);
    }));
  });
});

describe('formatSigned and gains', () => {
  it('puts + on gains, U+2212 on losses, nothing on zero', () => {
    expect(formatSigned(0.0123, 3)).toBe('+0.012');
    expect(formatSigned(-0.0123, 3)).toBe(`${MINUS}0.012`);
    expect(formatSigned(0.0004, 3)).toBe('0.000');
    expect(formatSigned(-0.0004, 3)).toBe('0.000');
    expect(formatSigned(-0, 1)).toBe('0.0');
    expect(formatSigned(1500)).toBe('+1,500');
    expect(formatSignedPercent(0.05)).toBe('+5.0%');
    expect(formatSignedPercent(-0.0004)).toBe('0.0%');
  });
  it('the sign agrees with the rounded value (property)', () => {
    fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 3 }), (v, d) => {
      const s = formatSigned(v, d);
      const rounded = parse(s.replace('+', ''));
      if (rounded === 0) expect(s[0]).toMatch(/\d/);
      else expect(s[0]).toBe(v > 0 ? '+' : MINUS);
    }));
  });
});

describe('fractions, percentages, deltas', () => {
  it('prints accuracy as a 3-decimal fraction and its change absolute and relative', () => {
    expect(formatFraction(0.58949)).toBe('0.589');
    expect(formatFraction(1)).toBe('1.000');
    expect(formatFractionDelta(0.5, 0.48)).toBe(`${MINUS}0.020 (${MINUS}4.0%)`);
    expect(formatFractionDelta(0.5, 0.5)).toBe('0.000 (0.0%)');
    expect(formatFractionDelta(0.5, 0.5004)).toBe('0.000 (+0.1%)');
    expect(formatFractionDelta(0.4, 0.45)).toBe('+0.050 (+12.5%)');
  });
  it('relative changes, count deltas, sparsity, bytes', () => {
    expect(formatRelative(0, 3)).toBe(MISSING);
    expect(formatRelative(200, 100)).toBe(`${MINUS}50.0%`);
    expect(formatRelative(-200, -100)).toBe('+50.0%');
    expect(formatCountDelta(1000, 900)).toBe(`${MINUS}100 (${MINUS}10.0%)`);
    expect(formatCountDelta(1000, 1000)).toBe('0 (0.0%)');
    expect(formatCountDelta(1000, 3500)).toBe('+2,500 (+250.0%)');
    expect(formatCountDelta(null, 5)).toBe(MISSING);
    expect(formatCountDelta(2048, 1024, formatBytes)).toBe(`${MINUS}1.0 KiB (${MINUS}50.0%)`);
    expect(formatSparsity(1000, 900)).toBe('10.0%');
    expect(formatSparsity(0, 0)).toBe(MISSING);
    expect(formatBytes(3 * 2 ** 20)).toBe('3.0 MiB');
    expect(formatBytes(1023)).toBe('1,023 B');
    expect(formatBytes(-2048)).toBe(`${MINUS}2.0 KiB`);
    expect(formatBytes(5000 * 2 ** 30)).toBe('5,000.00 GiB');
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(12.5, 0)).toBe('1,250%');
  });
  it('compact counts, ms, ratios, durations', () => {
    expect(formatCompact(40_715_400)).toBe('40.72 M');
    expect(formatCompact(1_234)).toBe('1.2 k');
    expect(formatCompact(-1_234_567_890)).toBe(`${MINUS}1.23 G`);
    expect(formatCompact(-0.2)).toBe('0');
    expect(formatCompact(2.5e12)).toBe('2,500.00 G');
    expect(formatMs(123.456)).toBe('123.5');
    expect(formatMs(12.3456)).toBe('12.35');
    expect(formatMs(1.23456)).toBe('1.235');
    expect(formatMs(1234.5)).toBe('1,234.5');
    expect(formatRatio(1.126)).toBe('1.13×');
    expect(formatDuration(7.4)).toBe('7s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3h05m');
    expect(formatDuration(Infinity)).toBe(MISSING);
    expect(formatCount(1_096_000)).toBe('1,096,000');
  });
});

describe('svg helpers', () => {
  it('escapes markup and picks nice ticks', () => {
    expect(esc('<a href="x">&\'')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(43.2, 61.7, 6)).toEqual([45, 50, 55, 60]);
  });
});
