/** The text of `optimize --int8`'s INT8 stage: probes, timed candidates, the choice, its measurement, how to repeat it. */
import { formatFraction, formatNumber, formatPercent } from '../core/format.js';
import type { Int8Stage } from '../search/run-int8.js';

export function int8Text(s: Int8Stage, f: { structured: string; output: string; calibration: string; calibImages: number; threads: number }): string {
  const lines = ['', `INT8 on top (budget against the original, a variant is accepted when ${s.selection.confidence === null ? 'its drop' : `the ${formatPercent(s.selection.correctedLevel ?? NaN, 2)} upper bound of its drop (${formatPercent(s.selection.confidence, 0)}, Bonferroni over ${s.selection.family} verified candidates)`} is ≤ ${formatPercent(s.threshold, 2)} on the search images; each base quantized as \`prunekit quantize\` does; sensitivity = output SQNR with only that layer integer, lowest first: ${s.sensitivity.slice(0, 3).map((x) => `${x.node} ${formatNumber(x.sqnrDb, 1)} dB`).join(', ')}):`];
  for (const q of s.quantize) lines.push(`  quantize ${q.base}: float prefix ${q.floatPrefix.length} layers; placement ${q.placementSpeedups.filter((c) => c.speedup !== undefined).map((c) => `${c.label} ${formatNumber(c.speedup!, 3)}×`).join(', ')} → ${q.placement}`);
  const top = [...s.units].sort((a, b) => b.keptFloatGainDb - a.keptFloatGainDb).slice(0, 5);
  if (top.length) lines.push(`  kept float, the most SQNR regained: ${top.map((u) => `${u.node} +${formatNumber(u.keptFloatGainDb, 2)} dB (${formatNumber(u.keptFloatSpeed, 3)}× speed)`).join(', ')}`);
  for (const p of s.probes) lines.push(`  verify ${p.base}/${p.order}: ${p.k} float → drop ${formatPercent(p.drop, 2)}, bound ${formatPercent(p.bound, 2)} ${p.holds ? 'holds' : 'misses'}`);
  lines.push('accepted candidates (bound at the corrected level; speed-up measured interleaved against the original):');
  for (const c of s.candidates) {
    const what = c.order === 'none' ? 'structured only' : `${c.base} + INT8, ${c.floatLayers.length ? `${c.floatLayers.length}/${c.units} more layers float (${c.order})` : 'as quantize makes it'}`;
    lines.push(`  ${(what + (c.chosen ? ' *chosen*' : '')).padEnd(60)} drop ${formatPercent(c.drop, 2).padStart(7)} bound ${formatPercent(c.bound, 2).padStart(7)}  ${formatNumber(c.speedup, 3)}× (95% CI ${formatNumber(c.ciLow, 3)}–${formatNumber(c.ciHigh, 3)})`);
  }
  const m = s.measured;
  const c = s.chosen;
  lines.push(c ? `chosen: ${c.order === 'none' ? 'the structured model (INT8 did not pay here)' : `${c.base} + INT8 as quantize makes it (${c.quantizeFloat.length} layers float)${c.floatLayers.length ? ` with ${c.floatLayers.length} more layers float` : ''}`}` : `the original is written: ${s.selection.reason}`);
  lines.push(`measured on ${m.set}${m.inSample ? ' (IN-SAMPLE)' : ''}: mAP50 ${formatFraction(m.original.map50)} → ${formatFraction(m.chosen.map50)}, mAP50-95 ${formatFraction(m.original.map5095)} → ${formatFraction(m.chosen.map5095)}; drop ${formatPercent(m.drop, 2)} → ${m.holds ? 'holds' : 'BROKEN'}`);
  if (c && c.order !== 'none') {
    const input = c.base === 'structured' ? f.structured : '<the original model>';
    lines.push(`repeat the INT8 step: prunekit quantize ${input} --calib <a list of the first ${f.calibImages} images of ${f.calibration}> --calib-images ${f.calibImages} --threads ${f.threads}${c.floatLayers.length ? ` --exclude ${c.floatLayers.join(',')}` : ''} -o ${f.output}`);
  }
  lines.push(`wrote ${f.output}`);
  return lines.join('\n');
}
