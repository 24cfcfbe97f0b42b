/**
 * One run, start to finish: resolve its config, simulate, compute metrics and format its rows.
 * The same function runs in worker threads and in-process (workers: 0), so the bytes cannot
 * depend on where a run ran.
 */
import { Rng, withObserverErrorsRaised } from "@cascade/core";
import { escapeText, fmtNumber } from "./format.js";
import { computeMetrics } from "./metrics.js";
import { type Plan, runInfo } from "./plan.js";
import type { RunRecords } from "./types.js";
import { simulateWorld } from "./world.js";

/** What a finished run contributes to the journal (and from there to every output file). */
export interface RunResult {
  run: number;
  /** Metric values in plan.metricColumns order (null = blank). */
  metrics: Array<number | null>;
  /** timeseries.csv cells after (variant, point, replication): tick, instrument, mid, ... */
  ts: string[][];
  /** liquidations.csv cells after (variant, point, replication): id, tick, account, ... */
  liq: string[][];
}

export function executeRun(plan: Plan, run: number): RunResult {
  const info = runInfo(plan, run);
  const rng = Rng.fromSeed(info.seed);
  const simulate = plan.exp.simulate ?? simulateWorld;
  // An error thrown by a stream observer fails the run here, instead of after it (or never).
  const records = withObserverErrorsRaised(() => simulate(info.config, rng, info));
  const metrics = computeMetrics(records, info, plan.exp.builtIn, plan.symbols, plan.exp.custom);
  return {
    run,
    metrics,
    ts: timeseriesRows(records, info.config.sampleEvery),
    liq: liquidationRows(records),
  };
}

const blankIfZero = (x: number) => (x === 0 ? "" : fmtNumber(x));

export function timeseriesRows(records: RunRecords, k: number): string[][] {
  const rows: string[][] = [];
  for (let t = k; t <= records.ticks; t += k) {
    for (const s of records.series) {
      let vol = 0;
      let liq = 0;
      for (let u = t - k + 1; u <= t; u++) {
        vol += s.volume[u - 1];
        liq += s.liquidatedNotional[u - 1];
      }
      const i = t - 1;
      rows.push([
        String(t),
        escapeText(s.symbol),
        fmtNumber(s.mid[i]),
        fmtNumber(s.price[i]),
        blankIfZero(s.bestBid[i]),
        blankIfZero(s.bestAsk[i]),
        fmtNumber(s.spread[i]),
        fmtNumber(s.depthBid[i]),
        fmtNumber(s.depthAsk[i]),
        fmtNumber(vol),
        fmtNumber(liq),
        fmtNumber(s.fundamental[i]),
      ]);
    }
  }
  return rows;
}

export function liquidationRows(records: RunRecords): string[][] {
  const rows: string[][] = [];
  for (const r of records.liquidations) rows.push(liquidationCells(r));
  return rows;
}

function liquidationCells(r: RunRecords["liquidations"][number]): string[] {
  // A settlement record (a deficit booked after the sales, a socialised loss) has no instrument and
  // trades nothing: side, price, mark and slippage are blank, not zeros that would pull down a
  // researcher's averages; quantity and notional are 0.
  const trade = r.instrument !== "";
  return [
    String(r.id),
    String(r.tick),
    escapeText(r.account),
    escapeText(r.instrument),
    trade ? r.side : "",
    fmtNumber(r.quantity),
    trade ? fmtNumber(r.price) : "",
    trade ? fmtNumber(r.mark) : "",
    fmtNumber(r.notional),
    trade ? fmtNumber(r.slippage) : "",
    fmtNumber(r.penalty),
    fmtNumber(r.badDebt),
    escapeText(r.execution),
    String(r.cascadeId),
    String(r.generation),
    String(r.cause),
  ];
}

export const TIMESERIES_COLUMNS = [
  "variant",
  "point",
  "replication",
  "tick",
  "instrument",
  "mid",
  "price",
  "best_bid",
  "best_ask",
  "spread",
  "depth_bid",
  "depth_ask",
  "volume",
  "liquidated_notional",
  "fundamental",
];

export const LIQUIDATION_COLUMNS = [
  "variant",
  "point",
  "replication",
  "id",
  "tick",
  "account",
  "instrument",
  "side",
  "quantity",
  "price",
  "mark",
  "notional",
  "slippage",
  "penalty",
  "bad_debt",
  "execution",
  "cascade_id",
  "generation",
  "cause",
];
