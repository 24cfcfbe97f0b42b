/**
 * The shape of an experiment file. Everything a researcher writes is typed here, so an editor
 * completes `defineExperiment({...})` field by field; `validateExperiment` (validate.ts) checks the
 * same shape at run time and names the offending path, value and what is allowed.
 */
import type { FundamentalSpec, PopulationSpec } from "@cascade/agents";
import type { Dist, Rng } from "@cascade/core";
import type { PolicySpec } from "@cascade/liquidation";
import type { InstrumentSpec, MarkSpec } from "@cascade/market";

/**
 * An exogenous shock, applied in the `exogenous` phase of tick `atTick` (after the fundamentals
 * step). Its size (`fraction`, `fractions`, `quantity`) is a number or a distribution
 * (`{ dist: "uniform", min: 0.15, max: 0.2 }`) drawn once per run from the run's "shocks" stream:
 * a scenario per replication, the same under every variant and sweep point (paired). The drawn
 * sizes are in the run's records (`records.shocks`) for a custom metric to report.
 *
 * `overTicks` (default 1: the whole shock at `atTick`) spreads a shock over the ticks
 * atTick .. atTick + overTicks - 1, which must lie within the run: a drawdown instead of a gap. It
 * is an integer or a uniformInt / choice of integers drawn once per run from its own stream split
 * from the shock's (a config without it draws as before), and can be swept (`shocks.0.overTicks`).
 * A drop is taken in equal log-steps, the value multiplied by (1 - fraction)^(1/overTicks) at each
 * of the ticks, so the steps compound to 1 - fraction; a marketSell sends one market order a tick,
 * integer children summing exactly to `quantity` (see each kind). The post-shock window of the
 * built-in metrics starts at the first tick (records.shockTick = atTick): P0 is the price before
 * the first step, and recovery_time counts from it, the slide included.
 */
export type ShockSpec =
  /**
   * The fundamental (oracle) value of `instrument` drops by `fraction` (0.2 = -20%), over
   * `overTicks` ticks. By default the value mean-reverts toward its old level at the process's
   * speed, also during a spread drop (each step pulls against it, so the trough is a little
   * shallower than a gap's); with `permanent: true` each step moves the anchor too (a level shift
   * of exactly the fraction once the steps are done).
   */
  | {
      kind: "fundamentalDrop";
      instrument: string;
      atTick: number;
      fraction: Dist;
      permanent?: boolean;
      overTicks?: Dist;
    }
  /**
   * A shock account (margin exempt, funded with enough cash, never liquidated) sells `quantity`
   * lots at market (integers: a uniformInt or a choice of integers). Over `overTicks` ticks it sends one market
   * order a tick of floor(quantity / overTicks) lots or one more: the remainder is spread evenly,
   * after j children floor(quantity x j / overTicks) lots are sent, so the last child takes the last
   * extra lot (a child of 0 lots, when quantity < overTicks, sends nothing).
   */
  | { kind: "marketSell"; instrument: string; atTick: number; quantity: Dist; overTicks?: Dist }
  /**
   * Several fundamentals drop at once: `fractions` maps symbol -> drop fraction in [0, 1). With
   * `overTicks` every leg takes its equal log-steps over the same ticks.
   */
  | {
      kind: "correlatedCrash";
      atTick: number;
      fractions: Record<string, Dist>;
      permanent?: boolean;
      overTicks?: Dist;
    };

/**
 * A shock as it happened in a run, its sizes drawn (records.shocks[k] is config.shocks[k]): the
 * fields of its kind are set (`fraction` of a fundamentalDrop, `quantity` of a marketSell,
 * `fractions` of a correlatedCrash), so `r.shocks?.[0].fraction` reads in a custom metric.
 * `overTicks` is its duration as drawn (1 for a one-tick shock; the built-in world always sets it).
 */
export interface ShockRecord {
  kind: ShockSpec["kind"];
  atTick: number;
  instrument?: string;
  fraction?: number;
  quantity?: number;
  fractions?: Record<string, number>;
  overTicks?: number;
}

export interface MarketConfig {
  instruments: InstrumentSpec[];
  /** Default `{ makerBps: 0, takerBps: 0 }`. */
  fees?: { makerBps: number; takerBps: number };
  /** Default `{ kind: "mid" }`. */
  mark?: MarkSpec;
}

/**
 * The part of an experiment that describes ONE run: variants override it and sweeps set leaves of
 * it by dotted path (`"liquidation.amount.fraction"`, `"populations.2.leverage"`).
 */
export interface WorldConfig {
  market: MarketConfig;
  fundamentals: FundamentalSpec;
  populations: PopulationSpec[];
  shocks: ShockSpec[];
  /** The liquidation policy (a PolicySpec, e.g. from `presets` of @cascade/liquidation). */
  liquidation: PolicySpec;
  /** Length of a run in ticks. */
  ticks: number;
  /** timeseries.csv keeps every k-th tick (volume and liquidated notional are summed over the k ticks). */
  sampleEvery: number;
  /** Recovery = mid back within this fraction of the pre-shock price (default 0.05 = 5%). */
  recoveryThreshold: number;
  /** depth_bid/depth_ask = resting lots within this fraction of the mid (default 0.01); 0 = best level only. */
  depthBand: number;
}

type DeepPartial<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer _U)[]
    ? T
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/**
 * A variant either IS a liquidation policy (shorthand for `{ liquidation: policy }`) or overrides
 * any part of the world config: `liquidation` is replaced whole, other objects are merged key by
 * key, arrays (instruments, populations, shocks) are replaced whole.
 */
export type VariantSpec = PolicySpec | VariantOverrides;
export interface VariantOverrides {
  description?: string;
  liquidation?: PolicySpec;
  market?: DeepPartial<MarketConfig>;
  fundamentals?: DeepPartial<FundamentalSpec>;
  populations?: PopulationSpec[];
  shocks?: ShockSpec[];
  ticks?: number;
  sampleEvery?: number;
  recoveryThreshold?: number;
  depthBand?: number;
}

/** Names of the built-in metrics (formulas in the README). */
export const BUILTIN_METRICS = [
  "peak_drawdown",
  "liquidated_notional",
  "book_liquidated_notional",
  "liquidations",
  "accounts_liquidated",
  "accounts_liquidated_share",
  "max_cascade_depth",
  "max_cascade_duration",
  "bad_debt",
  "insurance_draw",
  "backstop_absorbed",
  "adl_covered",
  "socialized_loss",
  "unrecovered_debt",
  "adl_volume",
  "mean_slippage",
  "book_mean_slippage",
  "worst_slippage",
  "min_depth",
  "mean_depth",
  "max_spread",
  "recovery_time",
  "recovered",
  "recovery_time_capped",
  "realized_volatility",
  "ticks_at_price_band",
  "backstop_pnl",
  "backstop_worst_pnl",
] as const;
export type BuiltInMetric = (typeof BUILTIN_METRICS)[number];

/** One instrument's per-tick series; index t-1 holds tick t (length = ticks). Prices in ticks. */
export interface InstrumentSeries {
  symbol: string;
  initialPrice: number;
  /**
   * The instrument's price band in ticks: orders outside [minPrice, maxPrice] are refused. Optional
   * for custom `simulate` functions (ticks_at_price_band is blank without it).
   */
  minPrice?: number;
  maxPrice?: number;
  /** (best bid + best ask) / 2; NaN while a side of the book is empty. */
  mid: Float64Array;
  /** The mid, or the last trade price while a side of the book is empty, never above the best ask nor below the best bid (drawdown, recovery and volatility use it). */
  price: Float64Array;
  /** 0 when the side is empty. */
  bestBid: Float64Array;
  bestAsk: Float64Array;
  /** best ask - best bid in ticks; NaN while a side is empty. */
  spread: Float64Array;
  /** Resting lots within depthBand of the mid (or at the best level when depthBand = 0). */
  depthBid: Float64Array;
  depthAsk: Float64Array;
  /** Lots traded during the tick. */
  volume: Float64Array;
  /** Cash units liquidated during the tick. */
  liquidatedNotional: Float64Array;
  /** Fundamental (oracle) value at the end of the tick's exogenous phase. */
  fundamental: Float64Array;
}

/** One liquidation event (a LiquidationRecord with names instead of ids). */
export interface LiquidationRow {
  id: number;
  tick: number;
  account: string;
  instrument: string;
  side: "buy" | "sell";
  quantity: number;
  price: number;
  notional: number;
  mark: number;
  slippage: number;
  penalty: number;
  badDebt: number;
  execution: string;
  cascadeId: number;
  generation: number;
  cause: number;
}

/** Totals kept by the liquidation engine (subset of LiquidationStats the metrics use). */
export interface RunTotals {
  /** Deficits of bankrupt accounts = insuranceDraw + backstopAbsorbed + adlCovered + socializedLoss + unrecoveredDebt. */
  badDebt: number;
  insuranceDraw: number;
  adlVolume: number;
  /**
   * Who paid the rest of badDebt (the liquidation engine's stats): the backstop vault's cash, the
   * accounts auto-deleveraging charged, every account with equity (socialize), nobody. Optional for
   * a custom simulate (their metrics are blank without them).
   */
  backstopAbsorbed?: number;
  adlCovered?: number;
  socializedLoss?: number;
  unrecoveredDebt?: number;
  /**
   * The backstop vault's equity at the end of the run less its capital (null without a vault): it
   * keeps what it takes, so a loss on it is in no other statistic.
   */
  backstopPnl?: number | null;
  /**
   * The lowest backstop_pnl over the run, sampled every tick after the liquidation phase (0 when
   * it never lost; null without a vault): the capital the vault had at risk, whether or not prices
   * came back by the end.
   */
  backstopWorstPnl?: number | null;
  /**
   * Takeovers a bounded vault (`liquidation.backstop.capital` given) declined, as its equity would
   * not have covered its maintenance after (null without a bounded vault). Not a runs.csv column:
   * read it in a custom metric, `(r) => r.totals.backstopDeclined ?? null`.
   */
  backstopDeclined?: number | null;
}

/**
 * How one population of the config did in a run (records.populations[p] is population p). Cash
 * amounts in cash units; equity at the final marks. A population without agents (a swept count at
 * 0) has no value for any of them: every field but name, index and agents is null, so a custom
 * metric reading one is blank there (its pnl is not a pnl of 0: nobody traded).
 */
export interface PopulationRecord {
  /**
   * Its label, as sweep paths and `cascade validate` name it: its `name` if given (a custom
   * population's, or a built-in one's), else its kind ("noise", "leveraged", ...).
   */
  name: string;
  /** Its index in the config's populations. */
  index: number;
  /** Number of agents (accounts). */
  agents: number;
  /** Cash deposited to its agents (sum). */
  capital: number | null;
  /**
   * Cash its agents added during the run (leveraged traders' `marginTopUp`, `view.deposit`); always
   * set by the built-in world, optional for a custom simulate (absent: none).
   */
  toppedUp?: number | null;
  /** Sum of its agents' equity (cash + positions at marks) at the end of the run. */
  equity: number | null;
  /** equity - capital - toppedUp. */
  pnl: number | null;
  /**
   * Lots of the fills and Dutch-auction takes in which one of its accounts is a side (a trade between
   * two of its accounts counts once). Position transfers (backstop vault, ADL) are not trades.
   */
  tradedLots: number | null;
  /** Cash notional of the same trades. */
  tradedNotional: number | null;
  /** Limit and IOC orders its agents sent to the venue through their AgentView. */
  orders: number | null;
  /** Liquidation rows of its accounts with a quantity (as the `liquidations` metric counts them; settlement rows excluded). */
  liquidations: number | null;
}

/** Everything a run recorded: the input of built-in and custom metrics. */
export interface RunRecords {
  ticks: number;
  /**
   * Tick of the first shock (1 when there is none): the post-shock window is [shockTick, ticks]. A
   * shock over several ticks counts from its first (its atTick).
   */
  shockTick: number;
  series: InstrumentSeries[];
  /** From the built-in world in the order they happened: row i has id i, ticks never decrease. */
  liquidations: LiquidationRow[];
  totals: RunTotals;
  /** Number of accounts in leveraged populations (denominator of accounts_liquidated_share). */
  leveragedAccounts: number;
  /**
   * One entry per population of the config, in config order. The built-in world always sets it;
   * optional for custom `simulate` functions (no built-in metric reads it).
   */
  populations?: PopulationRecord[];
  /** The config's shocks with their sizes as drawn in this run (set by the built-in world). */
  shocks?: ShockRecord[];
}

/** Identifies a run. */
export interface RunInfo {
  /** Run index in the plan: (point * variants + variant) * replications + replication. */
  run: number;
  variant: string;
  point: number;
  replication: number;
  seed: number;
  /**
   * Sweep parameter values of this run's point (parameter -> value: its path, or a linked key as
   * written). A parameter that does not reach this variant's config (no path of it there) is
   * absent, as its runs.csv cell is blank: the run used no such value.
   */
  params: Record<string, unknown>;
  /** The fully resolved world config of this run. */
  config: WorldConfig;
}

/** A custom metric: a number (or null / NaN = blank) computed from a run's records. */
export type CustomMetric = (records: RunRecords, run: RunInfo) => number | null;

/**
 * A custom metric with what it measures: `description` (one line) and `unit` ("cash units",
 * "lots", "a fraction"...), shown in report.html and recorded in manifest.json (metricInfo).
 */
export interface CustomMetricSpec {
  compute: CustomMetric;
  description?: string;
  unit?: string;
}

/** What a custom metric declared about itself (manifest.json's metricInfo, by column). */
export interface MetricInfo {
  description?: string;
  unit?: string;
}

export interface MetricsSpec {
  /** Built-in metrics to report; default "all". */
  builtIn?: "all" | readonly BuiltInMetric[];
  /**
   * Researcher-defined metrics: column name -> function of the run's records, or
   * `{ compute, description, unit }` to say what it measures.
   */
  custom?: Record<string, CustomMetric | CustomMetricSpec>;
  /**
   * The metrics of `cascade run`'s closing table, in order (any column of runs.csv's metrics,
   * custom ones included); default liquidated_notional, accounts_liquidated, max_cascade_depth,
   * peak_drawdown, bad_debt, backstop_pnl, mean_slippage.
   */
  headline?: readonly string[];
}

/**
 * Advanced: replace the built-in world (RunLoop + Venue + agents + liquidation engine). Receives the
 * run's resolved config and its root Rng (seeded with the replication's seed) and returns the
 * records the metrics read. Used by tests; also a hook for models outside Cascade's world.
 */
export type Simulator = (config: WorldConfig, rng: Rng, run: RunInfo) => RunRecords;

/** What `defineExperiment({...})` takes. */
export interface ExperimentDefinition {
  /** Identifier, also the default output folder results/<name>/: letters, digits, . _ - */
  name: string;
  description?: string;
  /** Root seed (safe integer >= 0); replication r runs with a seed derived from (seed, r) only. */
  seed: number;
  market: MarketConfig;
  fundamentals: FundamentalSpec;
  populations: PopulationSpec[];
  shocks?: ShockSpec[];
  /**
   * Default liquidation policy (used by variants that do not set their own). Optional only when
   * every variant is a policy or sets its own `liquidation`.
   */
  liquidation?: PolicySpec;
  /** Named variants to compare; default `{ default: {} }` (the base config). */
  variants?: Record<string, VariantSpec>;
  /** Variant the others are compared against; default the first. */
  baseline?: string;
  /**
   * Full grid over parameters named by dotted paths into the world config, each with its list of
   * values: `{ "liquidation.amount.fraction": [0.1, 0.5, 1], "populations.2.leverage": [5, 10] }`.
   * A path must exist in the base config or in at least one variant; a variant whose config lacks
   * the path runs unchanged at that point. A key of several paths separated by commas sweeps them
   * together, one value into each (`"populations.2.leverage, populations.3.leverage": [5, 10]`);
   * its key is the parameter's name (runs.csv column, `params` key, `sweepReference`), written with
   * its paths separated by ", " and no other spaces (other spacing is refused).
   */
  sweep?: Record<string, readonly unknown[]>;
  /**
   * A swept parameter whose first value is each point's reference in comparison.csv, the other
   * parameters equal (`"populations.leveraged.crowding"`: each crowding against crowding at its first
   * value, at the same leverage). One variant: instead of every point against point 0. Several
   * variants: besides each against the baseline at each point, each against itself at the reference.
   */
  sweepReference?: string;
  replications: number;
  ticks: number;
  sampleEvery?: number;
  recoveryThreshold?: number;
  depthBand?: number;
  metrics?: MetricsSpec;
  simulate?: Simulator;
}
