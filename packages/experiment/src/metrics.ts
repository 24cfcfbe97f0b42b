/**
 * Per-run metrics computed from a run's records. Formulas (also in the README):
 * s = tick of the first shock (1 without shocks), T = ticks, price = the series' `price` (the mid,
 * or the last trade while a side of the book is empty, within the side still quoted), P0_i = price of instrument i at tick s-1
 * (the last finite one before s; the initial price when there is none). The post-shock window is
 * ticks s..T.
 */
import { labelKind } from "@cascade/agents";
import { CascadeError, thrownBy } from "@cascade/core";
import { roundMetric } from "./format.js";
import {
  BUILTIN_METRICS,
  type BuiltInMetric,
  type CustomMetric,
  type InstrumentSeries,
  type RunInfo,
  type RunRecords,
} from "./types.js";

/** Column names of the metrics, in runs.csv order. */
export function metricColumns(
  builtIn: readonly BuiltInMetric[],
  symbols: readonly string[],
  custom: ReadonlyArray<[string, CustomMetric]>,
): string[] {
  const cols: string[] = [];
  for (const m of BUILTIN_METRICS) {
    if (!builtIn.includes(m)) continue;
    cols.push(m);
    if (m === "peak_drawdown") for (const s of symbols) cols.push(`peak_drawdown_${s}`);
    if (m === "ticks_at_price_band")
      for (const s of symbols) cols.push(`ticks_at_min_price_${s}`, `ticks_at_max_price_${s}`);
  }
  for (const [name] of custom) cols.push(name);
  return cols;
}

function preShockPrice(s: InstrumentSeries, shockTick: number): number {
  for (let t = shockTick - 1; t >= 1; t--) {
    const m = s.price[t - 1];
    if (Number.isFinite(m) && m > 0) return m;
  }
  return s.initialPrice;
}

/** Classical maximum drawdown of the price over s..T, the running peak starting at P0. */
export function peakDrawdown(s: InstrumentSeries, shockTick: number, ticks: number): number {
  let peak = preShockPrice(s, shockTick);
  let mdd = 0;
  for (let t = shockTick; t <= ticks; t++) {
    const m = s.price[t - 1];
    if (!Number.isFinite(m)) continue;
    if (m > peak) peak = m;
    const dd = (peak - m) / peak;
    if (dd > mdd) mdd = dd;
  }
  return mdd;
}

/**
 * Ticks from the shock until the price is back within `threshold` of P0 after having left that band
 * (0 if it never left; null if it never came back before the end of the run).
 */
export function recoveryTime(
  s: InstrumentSeries,
  shockTick: number,
  ticks: number,
  threshold: number,
): number | null {
  const p0 = preShockPrice(s, shockTick);
  const band = threshold * p0;
  let left = false;
  for (let t = shockTick; t <= ticks; t++) {
    const m = s.price[t - 1];
    const inside = Number.isFinite(m) && Math.abs(m - p0) <= band;
    if (!left) {
      if (!inside) left = true;
    } else if (inside) {
      return t - shockTick;
    }
  }
  return left ? null : 0;
}

/** Root mean square of the per-tick log returns of the price over s..T (null when none). */
export function realizedVolatility(s: InstrumentSeries, shockTick: number, ticks: number): number | null {
  let sum = 0;
  let n = 0;
  for (let t = Math.max(2, shockTick); t <= ticks; t++) {
    const a = s.price[t - 2];
    const b = s.price[t - 1];
    if (Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0) {
      const r = Math.log(b / a);
      sum += r * r;
      n++;
    }
  }
  return n === 0 ? null : Math.sqrt(sum / n);
}

/**
 * Ticks 1..T in which some instrument's price was within one tick of its band (<= minPrice + 1 or
 * >= maxPrice - 1). The band is hard (orders outside it are refused), so there the price is
 * clipped, not found: a crowd pinning the price at maxPrice makes a later shock look small.
 */
export function ticksAtPriceBand(series: readonly InstrumentSeries[], ticks: number): number | null {
  // A series without its band (a custom simulate may leave it out) cannot say: blank, not 0.
  for (const x of series) if (!Number.isFinite(x.minPrice) || !Number.isFinite(x.maxPrice)) return null;
  let n = 0;
  for (let t = 1; t <= ticks; t++) {
    for (const x of series) {
      const p = x.price[t - 1];
      if (p <= (x.minPrice as number) + 1 || p >= (x.maxPrice as number) - 1) {
        n++;
        break;
      }
    }
  }
  return n;
}

/**
 * The same count for one instrument and one edge of its band: ticks 1..T with price <= minPrice + 1
 * ("min"), or >= maxPrice - 1 ("max"). Says where ticks_at_price_band comes from, and so which
 * limit to widen. Null without the band.
 */
export function ticksAtBandEdge(x: InstrumentSeries, edge: "min" | "max", ticks: number): number | null {
  if (!Number.isFinite(x.minPrice) || !Number.isFinite(x.maxPrice)) return null;
  let n = 0;
  if (edge === "min") {
    const floor = (x.minPrice as number) + 1;
    for (let t = 1; t <= ticks; t++) if (x.price[t - 1] <= floor) n++;
  } else {
    const cap = (x.maxPrice as number) - 1;
    for (let t = 1; t <= ticks; t++) if (x.price[t - 1] >= cap) n++;
  }
  return n;
}

/** What every built-in metric reads: the run's records and its post-shock window s..T. */
interface MetricInput {
  records: RunRecords;
  s: number;
  ticks: number;
  threshold: number;
  symbols: readonly string[];
}

/**
 * Distinct accounts with a liquidation row that has a quantity: a settlement row alone (the bad debt
 * of an account that closed out by itself) is no liquidation, as for the `liquidations` metric and
 * the engine's stats().accountsLiquidated.
 */
function accountsLiquidated(liq: RunRecords["liquidations"]): number {
  const accounts = new Set<string>();
  for (const r of liq) if (r.quantity > 0) accounts.add(r.account);
  return accounts.size;
}

/**
 * Notional-weighted mean slippage of the liquidation rows (null without any); `bookOnly`: of the
 * book sales alone (the rows book_liquidated_notional sums), since a vault takes at the mark
 * (slippage 0), which lowers the mean over all rows without the book selling any better.
 */
function meanSlippage(rows: RunRecords["liquidations"], bookOnly: boolean): number | null {
  let w = 0;
  let sw = 0;
  for (const r of rows) {
    if (!Number.isFinite(r.slippage)) continue;
    if (bookOnly && r.execution !== "marketSweep" && r.execution !== "sliced") continue;
    w += r.notional;
    sw += r.notional * r.slippage;
  }
  return w > 0 ? sw / w : null;
}

/*
 * One small function per built-in metric, each pushing its column(s), rather than one switch: each
 * worker thread compiles its own optimized code for whatever is hot, and one large function was
 * recompiled whole each time a branch met new types (~0.15 s of compiling per worker).
 */
const METRIC_VALUES: Record<BuiltInMetric, (x: MetricInput, out: Array<number | null>) => void> = {
  peak_drawdown: ({ records, s, ticks, symbols }, out) => {
    const per = new Map<string, number>();
    for (const x of records.series) per.set(x.symbol, peakDrawdown(x, s, ticks));
    out.push(records.series.length === 0 ? null : Math.max(...per.values()));
    for (const sym of symbols) out.push(per.has(sym) ? (per.get(sym) as number) : null);
  },
  liquidated_notional: ({ records }, out) => {
    out.push(records.liquidations.reduce((a, r) => a + r.notional, 0));
  },
  book_liquidated_notional: ({ records }, out) => {
    // What was sold into the order books (sweeps, slices, an auction's market fallback): the part
    // of liquidated_notional that moves prices; vault takeovers, auction takes and ADL are off-book.
    let sum = 0;
    for (const r of records.liquidations)
      if (r.execution === "marketSweep" || r.execution === "sliced") sum += r.notional;
    out.push(sum);
  },
  liquidations: ({ records }, out) => {
    // Settlement records (quantity 0: a deficit or socialised loss booked after the sales) are
    // in liquidations.csv but are not liquidations.
    out.push(records.liquidations.reduce((a, r) => a + (r.quantity > 0 ? 1 : 0), 0));
  },
  accounts_liquidated: ({ records }, out) => {
    out.push(accountsLiquidated(records.liquidations));
  },
  accounts_liquidated_share: ({ records }, out) => {
    // Leveraged accounts only, in the numerator as in the denominator: a keeper or a market maker
    // liquidated too made the share exceed 1.
    out.push(
      records.leveragedAccounts > 0
        ? accountsLiquidated(records.liquidations.filter((r) => labelKind(r.account) === "leveraged")) /
            records.leveragedAccounts
        : null,
    );
  },
  max_cascade_depth: ({ records }, out) => {
    out.push(records.liquidations.reduce((a, r) => Math.max(a, r.generation), 0));
  },
  max_cascade_duration: ({ records }, out) => {
    const span = new Map<number, [number, number]>();
    for (const r of records.liquidations) {
      if (r.cascadeId < 0) continue; // bad debt of an account never in liquidation: no cascade
      const v = span.get(r.cascadeId);
      if (!v) span.set(r.cascadeId, [r.tick, r.tick]);
      else {
        if (r.tick < v[0]) v[0] = r.tick;
        if (r.tick > v[1]) v[1] = r.tick;
      }
    }
    let d = 0;
    for (const [a, b] of span.values()) d = Math.max(d, b - a + 1);
    out.push(d);
  },
  bad_debt: ({ records }, out) => {
    out.push(records.totals.badDebt);
  },
  insurance_draw: ({ records }, out) => {
    out.push(records.totals.insuranceDraw);
  },
  // Who paid the rest of bad_debt, in the order of the loss waterfall (after insurance_draw).
  backstop_absorbed: ({ records }, out) => {
    out.push(records.totals.backstopAbsorbed ?? null);
  },
  adl_covered: ({ records }, out) => {
    out.push(records.totals.adlCovered ?? null);
  },
  socialized_loss: ({ records }, out) => {
    out.push(records.totals.socializedLoss ?? null);
  },
  unrecovered_debt: ({ records }, out) => {
    out.push(records.totals.unrecoveredDebt ?? null);
  },
  adl_volume: ({ records }, out) => {
    out.push(records.totals.adlVolume);
  },
  mean_slippage: ({ records }, out) => {
    out.push(meanSlippage(records.liquidations, false));
  },
  book_mean_slippage: ({ records }, out) => {
    out.push(meanSlippage(records.liquidations, true));
  },
  worst_slippage: ({ records }, out) => {
    let worst: number | null = null;
    for (const r of records.liquidations)
      if (Number.isFinite(r.slippage) && (worst === null || r.slippage > worst)) worst = r.slippage;
    out.push(worst);
  },
  min_depth: ({ records, s, ticks }, out) => {
    let min: number | null = null;
    for (const x of records.series) {
      for (let t = s; t <= ticks; t++) {
        const d = Math.min(x.depthBid[t - 1], x.depthAsk[t - 1]);
        if (min === null || d < min) min = d;
      }
    }
    out.push(min);
  },
  // min_depth is 0 in nearly every run of a crash (a book side empties at the bottom): the mean of
  // the same quantity says how much depth the window held.
  mean_depth: ({ records, s, ticks }, out) => {
    let sum = 0;
    let n = 0;
    for (const x of records.series) {
      for (let t = s; t <= ticks; t++) {
        sum += Math.min(x.depthBid[t - 1], x.depthAsk[t - 1]);
        n++;
      }
    }
    out.push(n === 0 ? null : sum / n);
  },
  max_spread: ({ records, s, ticks }, out) => {
    let max: number | null = null;
    for (const x of records.series) {
      for (let t = s; t <= ticks; t++) {
        const rel = x.spread[t - 1] / x.mid[t - 1];
        if (Number.isFinite(rel) && (max === null || rel > max)) max = rel;
      }
    }
    out.push(max);
  },
  recovery_time: ({ records, s, ticks, threshold }, out) => {
    let worst: number | null = 0;
    for (const x of records.series) {
      const r = recoveryTime(x, s, ticks, threshold);
      if (r === null) {
        worst = null;
        break;
      }
      if (worst !== null && r > worst) worst = r;
    }
    out.push(worst);
  },
  recovered: ({ records, s, ticks, threshold }, out) => {
    let ok = 1;
    for (const x of records.series) if (recoveryTime(x, s, ticks, threshold) === null) ok = 0;
    out.push(ok);
  },
  // recovery_time with "never" counted as the whole post-shock window plus one tick (a censored
  // time: its mean is the restricted mean time to recovery). Never blank, so a comparison pairs
  // every replication instead of only those where both variants recovered.
  recovery_time_capped: ({ records, s, ticks, threshold }, out) => {
    let worst = 0;
    for (const x of records.series) {
      const r = recoveryTime(x, s, ticks, threshold) ?? ticks - s + 1;
      if (r > worst) worst = r;
    }
    out.push(worst);
  },
  realized_volatility: ({ records, s, ticks }, out) => {
    let sum = 0;
    let n = 0;
    for (const x of records.series) {
      const v = realizedVolatility(x, s, ticks);
      if (v !== null) {
        sum += v;
        n++;
      }
    }
    out.push(n === 0 ? null : sum / n);
  },
  ticks_at_price_band: ({ records, ticks, symbols }, out) => {
    out.push(ticksAtPriceBand(records.series, ticks));
    for (const sym of symbols) {
      const x = records.series.find((y) => y.symbol === sym);
      out.push(x === undefined ? null : ticksAtBandEdge(x, "min", ticks));
      out.push(x === undefined ? null : ticksAtBandEdge(x, "max", ticks));
    }
  },
  backstop_pnl: ({ records }, out) => {
    out.push(records.totals.backstopPnl ?? null);
  },
  backstop_worst_pnl: ({ records }, out) => {
    out.push(records.totals.backstopWorstPnl ?? null);
  },
};

/** Computes every metric column of a run (values rounded to 10 significant digits; null = blank). */
export function computeMetrics(
  records: RunRecords,
  info: RunInfo,
  builtIn: readonly BuiltInMetric[],
  symbols: readonly string[],
  custom: ReadonlyArray<[string, CustomMetric]>,
): Array<number | null> {
  const ticks = records.ticks;
  const input: MetricInput = {
    records,
    s: Math.min(Math.max(1, records.shockTick), ticks),
    ticks,
    threshold: info.config.recoveryThreshold,
    symbols,
  };
  // Generic elements from the start: metrics push small integers, doubles and null, so an array
  // starting empty changed its elements kind at a different metric in different runs, and each such
  // change sent the compiled metric functions back to the interpreter ("wrong map").
  const out: Array<number | null> = [null];
  out.length = 0;
  for (const m of BUILTIN_METRICS) if (builtIn.includes(m)) METRIC_VALUES[m](input, out);
  for (const [name, fn] of custom) {
    let v: unknown;
    try {
      v = fn(records, info);
    } catch (e) {
      throw thrownBy(`custom metric failed: metrics.custom.${name}`, e);
    }
    if (v !== null && typeof v !== "number") {
      throw new CascadeError(
        "INVALID_METRIC_VALUE",
        `metrics.custom.${name}`,
        v,
        `a number or null (the function's return value)${metricValueHint(v)}`,
        "custom metric failed",
      );
    }
    out.push(v);
  }
  return out.map(roundMetric);
}

/** How the usual wrong return values come about, and what to return instead. */
function metricValueHint(v: unknown): string {
  if (typeof v === "boolean") return `; for a 0/1 outcome return a number (\`x ? 1 : 0\`)`;
  if (v === undefined)
    return "; undefined comes from a block body without return or a field the records lack (return null for a blank cell)";
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)))
    return "; this is text, e.g. from toFixed: return the number (runs.csv writes 10 significant digits)";
  return "";
}
