export { formatBenchText } from './bench-text.js';
export { checkBudget, metricName, parseMaxDrop } from './budget.js';
export { honestyNotes } from './notes.js';
export { markdownTable, renderMarkdown, summaryLines } from './markdown.js';
export { renderHtml, REPORT_SECTIONS } from './html.js';
export { distributionChart, esc, groupedBarChart, lineChart, niceTicks } from './svg.js';
export type { BarGroup, LineSeries, SampleSeries, Series } from './svg.js';
export type { TableData } from './tables.js';
export type {
  AccuracyMetric, AccuracySection, AccuracyValues, BudgetCheck, BudgetRule, BudgetSection, ClassRow, ComparisonReport, LatencySection,
  LatencySide, LayerReconstructionNote, PrCurve, ReportModel, SizeSection, SizeValues, SparsityLayer, SparsitySection,
} from './types.js';
export { accuracySection, assembleReport, latencySection } from './assemble.js';
export type { ComparisonParts } from './assemble.js';
export { differsOnlyByZeros, opKind, sizeOf, sparsityLayers } from './model-diff.js';
export { compareModels } from './compare.js';
export type { CompareOptions, CompareOutcome, CompareProgress } from './compare.js';
