/**
 * @cascade/experiment: experiment files, the seeded parallel runner, CSV export, policy statistics
 * and the `cascade` CLI.
 */
export { defineExperiment } from "./define.js";
export { executeRun, LIQUIDATION_COLUMNS, type RunResult, TIMESERIES_COLUMNS } from "./execute.js";
export { escapeText, fmtNumber, fmtValue, roundMetric } from "./format.js";
export { headline } from "./headline.js";
export { JOURNAL_FILE } from "./journal.js";
export { type LoadedExperiment, loadExperimentFile, resolveExperimentPath } from "./load.js";
export { type MergeOptions, mergeResults } from "./merge.js";
export {
  computeMetrics,
  metricColumns,
  peakDrawdown,
  realizedVolatility,
  recoveryTime,
} from "./metrics.js";
export { FILES, type OutputFiles, type OutputSpec, outputSpec } from "./output.js";
export {
  inShard,
  makePlan,
  type Plan,
  parseShard,
  replicationSeed,
  runCoords,
  runInfo,
  type Shard,
} from "./plan.js";
export type { ProgressMode } from "./progress.js";
export { buildReport, loadResults, type ReportOptions, writeReport } from "./report/index.js";
export { renderChart } from "./report/render.js";
export {
  defaultOutDir,
  defaultWorkers,
  prepareRun,
  RunFailure,
  type RunOptions,
  type RunOutcome,
  runExperiment,
} from "./runner.js";
export {
  incompleteBeta,
  logGamma,
  type PairedComparison,
  pairedComparison,
  type Summary,
  summarize,
  tCdf,
  tQuantile,
  tTwoSidedP,
} from "./stats.js";
export type {
  BuiltInMetric,
  CustomMetric,
  ExperimentDefinition,
  InstrumentSeries,
  LiquidationRow,
  MarketConfig,
  MetricsSpec,
  RunInfo,
  RunRecords,
  RunTotals,
  ShockSpec,
  Simulator,
  VariantOverrides,
  VariantSpec,
  WorldConfig,
} from "./types.js";
export { BUILTIN_METRICS } from "./types.js";
export {
  applyPoint,
  type SweepPlan,
  type ValidatedExperiment,
  type ValidatedVariant,
  type ValidateOverrides,
  validateExperiment,
} from "./validate.js";
export { simulateWorld } from "./world.js";
