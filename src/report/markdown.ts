/** Markdown rendering of a {@link ComparisonReport}: tables only (charts live in the HTML report). Pure. */
import { formatBytes, formatCount, formatFraction, formatFractionDelta, formatMs } from '../core/format.js';
import {
  accuracyTable, budgetTable, channelLayersTable, channelsTable, isStructured, latencyTable, perClassTable, sizeTable, sparsityTable, type TableData,
} from './tables.js';
import type { ComparisonReport, SizeValues } from './types.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(t: TableData): string {
  const align = t.header.map((_, i) => (t.numeric.includes(i) ? '---:' : ':---'));
  return [
    `| ${t.header.map(cell).join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function section(title: string, body: string | null, missing: string): string {
  return `## ${title}\n\n${body ?? `_${missing}_`}\n`;
}

/** ` (int8 QDQ)`: the precision beside a size or a latency; nothing for reports written before it was recorded. */
const prec = (v: SizeValues): string => (v.precision ? ` (${v.precision})` : '');

/** The summary lines: accuracy, speed, size, budget. */
export function summaryLines(r: ComparisonReport): string[] {
  const lines: string[] = [];
  if (r.accuracy) {
    const a = r.accuracy;
    lines.push(`**mAP50-95** ${formatFraction(a.base.map5095)} → ${formatFraction(a.candidate.map5095)}, ${formatFractionDelta(a.base.map5095, a.candidate.map5095)}`);
    lines.push(`**mAP50** ${formatFraction(a.base.map50)} → ${formatFraction(a.candidate.map50)}, ${formatFractionDelta(a.base.map50, a.candidate.map50)}`);
  } else lines.push('**Accuracy** not measured');
  if (r.latency) {
    const l = r.latency;
    lines.push(`**Latency** median ${formatMs(l.base.medianMs)} ms${prec(r.size.base)} → ${formatMs(l.candidate.medianMs)} ms${prec(r.size.candidate)}: ${l.comparison.verdict}`);
  } else lines.push('**Latency** not measured');
  const s = r.size;
  const gz = s.base.gzipBytes != null && s.candidate.gzipBytes != null ? `, gzip ${formatBytes(s.base.gzipBytes)} → ${formatBytes(s.candidate.gzipBytes)}` : '';
  lines.push(`**Size** ${formatBytes(s.base.fileBytes)}${prec(s.base)} → ${formatBytes(s.candidate.fileBytes)}${prec(s.candidate)}${gz}` +
    (s.base.nonZeroParams !== null && s.candidate.nonZeroParams !== null ? `; non-zero params ${formatCount(s.base.nonZeroParams)} → ${formatCount(s.candidate.nonZeroParams)}` : ''));
  if (r.budget) lines.push(`**Accuracy budget** ${r.budget.ok ? 'holds' : 'BROKEN'} (${r.budget.checks.map((c) => c.rule.text).join(', ')})`);
  return lines;
}

export function renderMarkdown(r: ComparisonReport): string {
  const t = (x: TableData | null): string | null => (x ? markdownTable(x) : null);
  const parts = [
    `# ${r.title}\n`,
    `Base: \`${r.base.path}\`  \nCandidate: \`${r.candidate.path}\`  \nCreated: ${r.createdAt}\n`,
    section('Summary', summaryLines(r).map((l) => `- ${l}`).join('\n'), ''),
  ];
  if (r.budget) parts.push(section('Accuracy budget', t(budgetTable(r)), ''));
  parts.push(
    section('Size', markdownTable(sizeTable(r)), ''),
    section(`Accuracy${r.accuracy ? ` (${r.accuracy.dataset}, ${r.accuracy.images} images)` : ''}`, t(accuracyTable(r)), 'not measured in this run'),
    section('Per-class AP', t(perClassTable(r)), 'not measured in this run'),
    section('Latency', r.latency ? `${r.latency.settings}; ${r.latency.environment}\n\n${markdownTable(latencyTable(r)!)}\n\n**${r.latency.comparison.verdict}**` : null, 'not measured in this run'),
    isStructured(r)
      ? section(`Channels and MACs by category (${r.sparsity!.categorySource})`, `${t(channelsTable(r))}\n\n${t(channelLayersTable(r))}`, '')
      : section(`Sparsity by category${r.sparsity ? ` (${r.sparsity.categorySource})` : ''}`, t(sparsityTable(r)), 'no layer inventory'),
    section('Notes', r.notes.map((n) => `- ${n}`).join('\n') || null, 'none'),
  );
  return parts.join('\n');
}
