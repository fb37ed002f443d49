/** The text of `optimize --int8`'s INT8 stage: probes, timed candidates, the choice, its measurement, how to repeat it. */
import { formatFraction, formatNumber, formatPercent } from '../core/format.js';
import type { Int8Stage } from '../search/run-int8.js';

export function int8Text(s: Int8Stage, f: { structured: string; output: string; calibration: string | undefined; calibImages: number }): string {
  const lines = ['', `INT8 on top (budget against the original; each layer kept float or integer; sensitivity = output SQNR with only that layer integer, lowest first: ${s.sensitivity.slice(0, 3).map((x) => `${x.node} ${formatNumber(x.sqnrDb, 1)} dB`).join(', ')}):`];
  for (const p of s.probes) lines.push(`  verify ${p.base}/${p.order}: ${p.k} float → drop ${formatPercent(p.drop, 2)} ${p.holds ? 'holds' : 'misses'}`);
  lines.push('candidates (speed-up measured interleaved against the original):');
  for (const c of s.candidates) {
    const what = c.order === 'none' ? 'structured only' : `${c.base} + INT8, ${c.floatLayers.length}/${c.units} layers float (${c.order})`;
    lines.push(`  ${(what + (c.chosen ? ' *chosen*' : '')).padEnd(60)} drop ${formatPercent(c.drop, 2).padStart(7)}  ${formatNumber(c.speedup, 3)}× (95% CI ${formatNumber(c.ciLow, 3)}–${formatNumber(c.ciHigh, 3)})`);
  }
  const m = s.measured;
  const c = s.chosen;
  lines.push(c ? `chosen: ${c.order === 'none' ? 'the structured model (INT8 did not pay here)' : `${c.base} + INT8 with ${c.floatLayers.length} layers float`}` : 'no candidate holds the budget on the search images; the original is written');
  lines.push(`measured on ${m.set}${m.inSample ? ' (IN-SAMPLE)' : ''}: mAP50 ${formatFraction(m.original.map50)} → ${formatFraction(m.chosen.map50)}, mAP50-95 ${formatFraction(m.original.map5095)} → ${formatFraction(m.chosen.map5095)}; drop ${formatPercent(m.drop, 2)} → ${m.holds ? 'holds' : 'BROKEN'}`);
  if (c && c.order !== 'none') {
    const input = c.base === 'structured' ? f.structured : '<the original model>';
    lines.push(`repeat the INT8 step: prunekit quantize ${input} --calib ${f.calibration ?? '<the calibration images>'} --calib-images ${f.calibImages} --no-float-prefix --placement all${c.floatLayers.length ? ` --exclude ${c.floatLayers.join(',')}` : ''} -o ${f.output}`);
  }
  lines.push(`wrote ${f.output}`);
  return lines.join('\n');
}
