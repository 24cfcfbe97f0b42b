/**
 * What each built-in metric measures and its unit: the one source report.html shows and the
 * READMEs' metric tables are checked against (test/experiment/docs-outputs.test.ts). The formulas,
 * with their edge cases, are in packages/experiment/README.md ("Metrics").
 */
import type { BuiltInMetric, MetricInfo } from "./types.js";

/** The units a built-in metric column is in. */
export const METRIC_UNITS = [
  "cash units",
  "a fraction",
  "a fraction per tick",
  "lots",
  "ticks",
  "count",
  "0 or 1",
] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

export interface BuiltInMetricInfo {
  description: string;
  unit: MetricUnit;
}

export const BUILTIN_METRIC_INFO: Record<BuiltInMetric, BuiltInMetricInfo> = {
  peak_drawdown: {
    description: "largest fall of the price from its running peak after the shock, max over instruments",
    unit: "a fraction",
  },
  liquidated_notional: {
    description: "notional of every liquidation, on the book or off it (vault takeovers, auction takes, ADL)",
    unit: "cash units",
  },
  book_liquidated_notional: {
    description:
      "the part of liquidated_notional sold into the order books (sweeps, slices, an auction's market fallback)",
    unit: "cash units",
  },
  liquidations: { description: "liquidation trades (records with a quantity)", unit: "count" },
  accounts_liquidated: { description: "distinct accounts liquidated", unit: "count" },
  accounts_liquidated_share: {
    description: "liquidated leveraged accounts / leveraged accounts",
    unit: "a fraction",
  },
  max_cascade_depth: { description: "largest cascade generation (0 without liquidations)", unit: "count" },
  max_cascade_duration: { description: "longest cascade, first to last tick inclusive", unit: "ticks" },
  bad_debt: {
    description: "deficit left by accounts closed below zero, whoever covered it",
    unit: "cash units",
  },
  insurance_draw: { description: "the part of bad_debt the insurance fund paid", unit: "cash units" },
  backstop_absorbed: { description: "the part of bad_debt the backstop vault paid", unit: "cash units" },
  adl_covered: {
    description: "the part of bad_debt charged to profitable opposing accounts by auto-deleveraging",
    unit: "cash units",
  },
  socialized_loss: {
    description: "the part of bad_debt shared by every account with equity",
    unit: "cash units",
  },
  unrecovered_debt: { description: "the part of bad_debt nobody paid", unit: "cash units" },
  adl_volume: { description: "notional closed by auto-deleveraging trades", unit: "cash units" },
  mean_slippage: {
    description: "notional-weighted mean execution price against the mark (positive = worse for the account)",
    unit: "a fraction",
  },
  book_mean_slippage: { description: "mean_slippage of the book sales only", unit: "a fraction" },
  worst_slippage: { description: "largest slippage of a liquidation", unit: "a fraction" },
  min_depth: {
    description: "least depth on the thinner side of the book after the shock, over instruments",
    unit: "lots",
  },
  mean_depth: {
    description: "mean depth on the thinner side of the book after the shock, over instruments",
    unit: "lots",
  },
  max_spread: { description: "widest spread / mid after the shock, over instruments", unit: "a fraction" },
  recovery_time: {
    description: "ticks from the shock until every price is back near its pre-shock level (blank if never)",
    unit: "ticks",
  },
  recovered: { description: "1 if every price came back near its pre-shock level, else 0", unit: "0 or 1" },
  recovery_time_capped: {
    description: "recovery_time with never counted as the post-shock window plus one tick",
    unit: "ticks",
  },
  realized_volatility: {
    description: "root mean square of the per-tick log returns after the shock, mean over instruments",
    unit: "a fraction per tick",
  },
  ticks_at_price_band: {
    description: "ticks in which some price was within one tick of its band (the band clipped it)",
    unit: "ticks",
  },
  backstop_pnl: {
    description: "the backstop vault's equity at the end less its capital (blank without a vault)",
    unit: "cash units",
  },
  backstop_worst_pnl: {
    description: "the backstop vault's lowest equity less its capital over the run (blank without a vault)",
    unit: "cash units",
  },
};

/** The per-instrument columns: `<prefix><SYMBOL>`, after their aggregate in runs.csv. */
const PER_INSTRUMENT: ReadonlyArray<{ prefix: string; info: (symbol: string) => BuiltInMetricInfo }> = [
  {
    prefix: "peak_drawdown_",
    info: (s) => ({ description: `peak_drawdown of ${s}`, unit: "a fraction" }),
  },
  {
    prefix: "ticks_at_min_price_",
    info: (s) => ({
      description: `ticks in which ${s}'s price was within one tick of its minPrice`,
      unit: "ticks",
    }),
  },
  {
    prefix: "ticks_at_max_price_",
    info: (s) => ({
      description: `ticks in which ${s}'s price was within one tick of its maxPrice`,
      unit: "ticks",
    }),
  },
];

/** The per-instrument column names with the symbol written `<symbol>`, as the READMEs write them. */
export const PER_INSTRUMENT_COLUMNS = PER_INSTRUMENT.map((p) => `${p.prefix}<symbol>`);

/**
 * Description and unit of a runs.csv metric column: a built-in one's (a per-instrument column's
 * with its symbol), a custom one's as declared (`custom`: the manifest's metricInfo), else null.
 */
export function metricInfoOf(
  column: string,
  customMetrics: readonly string[],
  custom: Readonly<Record<string, MetricInfo>>,
): MetricInfo | null {
  if (customMetrics.includes(column)) return custom[column] ?? null;
  if (Object.hasOwn(BUILTIN_METRIC_INFO, column)) return BUILTIN_METRIC_INFO[column as BuiltInMetric];
  for (const p of PER_INSTRUMENT)
    if (column.startsWith(p.prefix) && column.length > p.prefix.length)
      return p.info(column.slice(p.prefix.length));
  return null;
}
