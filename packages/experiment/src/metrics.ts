/**
 * Per-run metrics computed from a run's records. Formulas (also in the README):
 * s = tick of the first shock (1 without shocks), T = ticks, P0_i = mid of instrument i at tick
 * s-1 (the last finite mid before s; the initial price when there is none). The post-shock window
 * is ticks s..T.
 */
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

/** Classical maximum drawdown of the mid over s..T, the running peak starting at P0. */
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
 * Ticks from the shock until the mid is back within `threshold` of P0 after having left that band
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

/** Root mean square of the per-tick log returns of the mid over s..T (null when none). */
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

/** Computes every metric column of a run (values rounded to 10 significant digits; null = blank). */
export function computeMetrics(
  records: RunRecords,
  info: RunInfo,
  builtIn: readonly BuiltInMetric[],
  symbols: readonly string[],
  custom: ReadonlyArray<[string, CustomMetric]>,
): Array<number | null> {
  const { series, liquidations: liq, ticks } = records;
  const s = Math.min(Math.max(1, records.shockTick), ticks);
  const out: Array<number | null> = [];
  const threshold = info.config.recoveryThreshold;
  for (const m of BUILTIN_METRICS) {
    if (!builtIn.includes(m)) continue;
    switch (m) {
      case "peak_drawdown": {
        const per = new Map<string, number>();
        for (const x of series) per.set(x.symbol, peakDrawdown(x, s, ticks));
        out.push(series.length === 0 ? null : Math.max(...per.values()));
        for (const sym of symbols) out.push(per.has(sym) ? (per.get(sym) as number) : null);
        break;
      }
      case "liquidated_notional":
        out.push(liq.reduce((a, r) => a + r.notional, 0));
        break;
      case "liquidations":
        // Settlement records (quantity 0: a deficit or socialised loss booked after the sales) are
        // in liquidations.csv but are not liquidations.
        out.push(liq.reduce((a, r) => a + (r.quantity > 0 ? 1 : 0), 0));
        break;
      case "accounts_liquidated":
        out.push(new Set(liq.map((r) => r.account)).size);
        break;
      case "accounts_liquidated_share":
        out.push(
          records.leveragedAccounts > 0
            ? new Set(liq.map((r) => r.account)).size / records.leveragedAccounts
            : null,
        );
        break;
      case "max_cascade_depth":
        out.push(liq.reduce((a, r) => Math.max(a, r.generation), 0));
        break;
      case "max_cascade_duration": {
        const span = new Map<number, [number, number]>();
        for (const r of liq) {
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
        break;
      }
      case "bad_debt":
        out.push(records.totals.badDebt);
        break;
      case "insurance_draw":
        out.push(records.totals.insuranceDraw);
        break;
      case "adl_volume":
        out.push(records.totals.adlVolume);
        break;
      case "mean_slippage": {
        let w = 0;
        let sw = 0;
        for (const r of liq) {
          if (!Number.isFinite(r.slippage)) continue;
          w += r.notional;
          sw += r.notional * r.slippage;
        }
        out.push(w > 0 ? sw / w : null);
        break;
      }
      case "worst_slippage": {
        let worst: number | null = null;
        for (const r of liq)
          if (Number.isFinite(r.slippage) && (worst === null || r.slippage > worst)) worst = r.slippage;
        out.push(worst);
        break;
      }
      case "min_depth": {
        let min: number | null = null;
        for (const x of series) {
          for (let t = s; t <= ticks; t++) {
            const d = Math.min(x.depthBid[t - 1], x.depthAsk[t - 1]);
            if (min === null || d < min) min = d;
          }
        }
        out.push(min);
        break;
      }
      case "max_spread": {
        let max: number | null = null;
        for (const x of series) {
          for (let t = s; t <= ticks; t++) {
            const rel = x.spread[t - 1] / x.mid[t - 1];
            if (Number.isFinite(rel) && (max === null || rel > max)) max = rel;
          }
        }
        out.push(max);
        break;
      }
      case "recovery_time": {
        let worst: number | null = 0;
        for (const x of series) {
          const r = recoveryTime(x, s, ticks, threshold);
          if (r === null) {
            worst = null;
            break;
          }
          if (worst !== null && r > worst) worst = r;
        }
        out.push(worst);
        break;
      }
      case "recovered": {
        let ok = 1;
        for (const x of series) if (recoveryTime(x, s, ticks, threshold) === null) ok = 0;
        out.push(ok);
        break;
      }
      case "realized_volatility": {
        let sum = 0;
        let n = 0;
        for (const x of series) {
          const v = realizedVolatility(x, s, ticks);
          if (v !== null) {
            sum += v;
            n++;
          }
        }
        out.push(n === 0 ? null : sum / n);
        break;
      }
    }
  }
  for (const [name, fn] of custom) {
    const v = fn(records, info);
    if (v !== null && typeof v !== "number") {
      throw new TypeError(`custom metric ${name} returned ${typeof v}; allowed: a number or null`);
    }
    out.push(v);
  }
  return out.map(roundMetric);
}
