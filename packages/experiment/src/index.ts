/**
 * @cascade/experiment: experiment files, the seeded parallel runner, CSV export, policy statistics
 * and the `cascade` CLI.
 */
export { defineExperiment } from "./define.js";
export type { StoppedRun } from "./earlier-results.js";
export { executeRun, type RunResult } from "./execute.js";
export { escapeText, fmtNumber, fmtValue, roundMetric } from "./format.js";
export { headline } from "./headline.js";
export { JournalError } from "./journal.js";
export type { ExperimentSource } from "./load.js";
export { MergeAborted, type MergeOptions, type MergeResult, mergeResults } from "./merge.js";
export {
  BUILTIN_METRIC_INFO,
  type BuiltInMetricInfo,
  METRIC_UNITS,
  type MetricUnit,
  metricInfoOf,
  PER_INSTRUMENT_COLUMNS,
} from "./metric-info.js";
export {
  computeMetrics,
  metricColumns,
  peakDrawdown,
  realizedVolatility,
  recoveryTime,
  ticksAtBandEdge,
  ticksAtPriceBand,
} from "./metrics.js";
export type { OutputFiles, OutputSpec } from "./output.js";
export { makePlan, type Plan, type PlanOptions, replicationSeed, runInfo } from "./plan.js";
export type { ProgressMode } from "./progress.js";
export { type CsvRow, readResultsCsv } from "./report/csv.js";
export type { ReportOptions } from "./report/index.js";
// Types only (erased): loadResults' data as the report reads it, and renderChart's spec.
export type {
  ComparisonRow,
  GenerationCount,
  LiquidationMark,
  LoadOptions,
  ManifestInfo,
  PathPoint,
  PathPointChoice,
  PathsLeftOut,
  PricePath,
  ReportData,
  RunRow,
  SummaryRow,
  SweepPoint,
} from "./report/load.js";
export type { VlSpec } from "./report/render.js";
export { FILES, JOURNAL_FILE } from "./results-files.js";
export {
  type Prepared,
  prepareRun,
  RunAborted,
  RunFailure,
  type RunInProgress,
  type RunOptions,
  type RunOutcome,
  runExperiment,
} from "./runner.js";
export type { Shard } from "./shard.js";
export {
  BOOTSTRAP_MIN_N,
  BOOTSTRAP_RESAMPLES,
  bootstrapInterval,
  holmAdjust,
  type IntervalOf,
  isZeroOneOutcome,
  normalCdf,
  type PairedComparison,
  pairedComparison,
  pairedProportionInterval,
  rememberedIntervals,
  type Summary,
  signedRankP,
  summarize,
  tCdf,
  tQuantile,
  tTwoSidedP,
  wilsonInterval,
} from "./stats.js";
export type {
  BuiltInMetric,
  CustomMetric,
  CustomMetricSpec,
  ExperimentDefinition,
  InstrumentSeries,
  LiquidationRow,
  MarketConfig,
  MetricInfo,
  MetricsSpec,
  PopulationRecord,
  RunInfo,
  RunRecords,
  RunTotals,
  ShockRecord,
  ShockSpec,
  Simulator,
  VariantOverrides,
  VariantSpec,
  WorldConfig,
} from "./types.js";
export { BUILTIN_METRICS } from "./types.js";
export {
  applyPoint,
  type BaseConfig,
  type SweepPlan,
  type ValidatedExperiment,
  type ValidatedVariant,
  type ValidateOverrides,
  validateExperiment,
} from "./validate.js";
export { simulateWorld } from "./world.js";

// The report modules load vega, whose canvas probe uses a top-level await: a static import would
// stop `require("@cascade/experiment")` (notebooks, CommonJS callers) from working at all.
type ReportModule = typeof import("./report/index.js");
type RenderModule = typeof import("./report/render.js");

/** Writes report.html (charts) for a results folder; returns the written path. */
export async function writeReport(...args: Parameters<ReportModule["writeReport"]>): Promise<string> {
  return (await import("./report/index.js")).writeReport(...args);
}

/** The report HTML of a results folder, without writing it. */
export async function buildReport(...args: Parameters<ReportModule["buildReport"]>): Promise<string> {
  return (await import("./report/index.js")).buildReport(...args);
}

/** Reads a results folder (manifest and CSV) as the report sees it. */
export async function loadResults(
  ...args: Parameters<ReportModule["loadResults"]>
): ReturnType<ReportModule["loadResults"]> {
  return (await import("./report/index.js")).loadResults(...args);
}

/** Renders a Vega-Lite spec to an inline SVG string in Node, in Cascade's chart style. */
export async function renderChart(...args: Parameters<RenderModule["renderChart"]>): Promise<string> {
  return (await import("./report/render.js")).renderChart(...args);
}
