/**
 * One run, start to finish: resolve its config, simulate, compute metrics and format its rows.
 * The same function runs in worker threads and in-process (workers: 0), so the bytes cannot
 * depend on where a run ran.
 */
import { CascadeError, NotAnError, Rng, withObserverErrorsRaised } from "@cascade/core";
import { escapeText, fmtNumber } from "./format.js";
import { computeMetrics } from "./metrics.js";
import { type Plan, runInfo } from "./plan.js";
import type { RunRecords, WorldConfig } from "./types.js";
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
  return executeRuns(plan, [run])[0];
}

/**
 * Runs with the same config and seed (runGroups): simulated once, as the first of them; each gets
 * the rows and its own metrics, computed from the records as the simulation left them. `onResult`
 * is called with each run as its result is ready: a failure is then the first run not yet
 * reported (a custom metric can fail at one run of the group only; the simulation fails the first).
 */
export function executeRuns(
  plan: Plan,
  runs: readonly number[],
  onResult?: (run: number) => void,
): RunResult[] {
  const info = runInfo(plan, runs[0]);
  const rng = Rng.fromSeed(info.seed);
  const simulate = plan.exp.simulate ?? simulateWorld;
  // An error thrown by a stream observer fails the run here, instead of after it (or never).
  // An observer's thrown string or object is named where it is thrown, not by the custom agent
  // whose order set it off. Only a custom trigger's code (given the venue) can subscribe one in the
  // built-in world; the run failure's prefix names the variant.
  const policy = info.config.liquidation;
  const observer = plan.exp.simulate
    ? "an observer subscribed by simulate"
    : `an observer of a venue stream (policy "${policy.name}"${policy.trigger.kind === "custom" ? ", whose custom trigger may have subscribed it" : ""})`;
  let records: RunRecords;
  try {
    records = withObserverErrorsRaised(
      () => simulate(info.config, rng, info),
      (e) => new NotAnError(observer, e),
    );
  } catch (e) {
    // A thrown string or object (custom agents', triggers', metrics' and observers' are named
    // where they are thrown): simulate's own.
    if (e instanceof Error) throw e;
    throw new NotAnError(plan.exp.simulate ? "simulate" : observer, e);
  }
  if (plan.exp.simulate) checkRecords(records, info.config);
  // The rows are formatted before the metrics: a custom metric that sorts or edits its records in
  // place (r.liquidations.sort(...)) would otherwise rewrite timeseries.csv and liquidations.csv.
  const ts = timeseriesRows(records, info.config.sampleEvery);
  const liq = liquidationRows(records);
  const last = runs.length - 1;
  return runs.map((run, k) => {
    const own = k === 0 ? info : runInfo(plan, run);
    // For the same reason each run's custom metrics get records no other run's metrics have seen.
    const rec = k < last && plan.exp.custom.length > 0 ? structuredClone(records) : records;
    const metrics = computeMetrics(rec, own, plan.exp.builtIn, plan.symbols, plan.exp.custom);
    onResult?.(run);
    return { run, metrics, ts, liq };
  });
}

const SERIES_ARRAYS = [
  "mid",
  "price",
  "bestBid",
  "bestAsk",
  "spread",
  "depthBid",
  "depthAsk",
  "volume",
  "liquidatedNotional",
  "fundamental",
] as const;
const ROW_NUMBERS = [
  "id",
  "tick",
  "quantity",
  "price",
  "notional",
  "mark",
  "slippage",
  "penalty",
  "badDebt",
  "cascadeId",
  "generation",
  "cause",
] as const;
const ROW_TEXTS = ["account", "instrument", "side", "execution"] as const;

function badRecords(field: string, value: unknown, allowed: string): never {
  throw new CascadeError("INVALID_RUN_RECORDS", field, value, allowed, "invalid run records");
}

/**
 * The shape of what a custom `simulate` returned (the built-in world is trusted): without this
 * check an async simulate or a missing field failed with a bare TypeError, and a short series, a
 * wrong tick count or a text notional gave blank or wrong metrics silently.
 */
function checkRecords(r: RunRecords, config: WorldConfig): void {
  const u = r as unknown;
  if (typeof (u as { then?: unknown } | null)?.then === "function")
    badRecords("simulate(config, rng, run)", u, "RunRecords, returned synchronously");
  if (u === null || typeof u !== "object") badRecords("simulate(config, rng, run)", u, "RunRecords");
  if (r.ticks !== config.ticks) badRecords("records.ticks", r.ticks, `the run's ticks, ${config.ticks}`);
  if (!Number.isSafeInteger(r.shockTick)) badRecords("records.shockTick", r.shockTick, "an integer tick");
  const instruments = config.market.instruments;
  if (!Array.isArray(r.series) || r.series.length !== instruments.length) {
    badRecords(
      Array.isArray(r.series) ? "records.series.length" : "records.series",
      Array.isArray(r.series) ? r.series.length : r.series,
      `one series per instrument, ${instruments.map((x) => x.symbol).join(", ")}`,
    );
  }
  r.series.forEach((s, k) => {
    const p = `records.series.${k}`;
    if (s?.symbol !== instruments[k].symbol)
      badRecords(
        `${p}.symbol`,
        s?.symbol,
        `the instrument's symbol, ${JSON.stringify(instruments[k].symbol)}`,
      );
    for (const f of SERIES_ARRAYS) {
      const a = s[f] as ArrayLike<number> | undefined;
      if (a?.length !== r.ticks) {
        badRecords(
          a === undefined || a === null ? `${p}.${f}` : `${p}.${f}.length`,
          a === undefined || a === null ? a : a.length,
          `an array of one number per tick, ${r.ticks}`,
        );
      }
    }
  });
  if (!Array.isArray(r.liquidations)) badRecords("records.liquidations", r.liquidations, "an array of rows");
  r.liquidations.forEach((row, k) => {
    for (const f of ROW_NUMBERS)
      if (typeof row?.[f] !== "number") badRecords(`records.liquidations.${k}.${f}`, row?.[f], "a number");
    for (const f of ROW_TEXTS)
      if (typeof row[f] !== "string") badRecords(`records.liquidations.${k}.${f}`, row[f], "a string");
  });
  const t = r.totals;
  if (t === null || typeof t !== "object") badRecords("records.totals", t, "an object of numbers");
  for (const f of ["badDebt", "insuranceDraw", "adlVolume"] as const)
    if (typeof t[f] !== "number") badRecords(`records.totals.${f}`, t[f], "a number");
  for (const f of ["backstopAbsorbed", "adlCovered", "socializedLoss", "unrecoveredDebt"] as const)
    if (t[f] !== undefined && typeof t[f] !== "number")
      badRecords(`records.totals.${f}`, t[f], "a number, or left out (its metric is then blank)");
  for (const f of ["backstopPnl", "backstopWorstPnl", "backstopDeclined"] as const)
    if (t[f] != null && typeof t[f] !== "number")
      badRecords(`records.totals.${f}`, t[f], "a number, or null without a vault");
  if (!Number.isSafeInteger(r.leveragedAccounts) || r.leveragedAccounts < 0)
    badRecords("records.leveragedAccounts", r.leveragedAccounts, "an integer >= 0");
  if (r.populations !== undefined) checkPopulations(r.populations, config);
}

/** The fields of a population's record that are null when it has no agents (PopulationRecord). */
const POPULATION_VALUES = [
  "capital",
  "equity",
  "pnl",
  "tradedLots",
  "tradedNotional",
  "orders",
  "liquidations",
] as const;

/** records.populations is optional for a custom simulate; when given, one entry per population. */
function checkPopulations(pops: RunRecords["populations"], config: WorldConfig): void {
  const n = config.populations.length;
  if (!Array.isArray(pops) || pops.length !== n) {
    badRecords(
      Array.isArray(pops) ? "records.populations.length" : "records.populations",
      Array.isArray(pops) ? pops.length : pops,
      `one entry per population of the config, ${n} (or no populations field)`,
    );
  }
  pops.forEach((e, k) => {
    const p = `records.populations.${k}`;
    if (typeof e?.name !== "string") badRecords(`${p}.name`, e?.name, "a string");
    for (const f of ["index", "agents"] as const)
      if (typeof e[f] !== "number") badRecords(`${p}.${f}`, e[f], "a number");
    // Without agents every value is null (the built-in world's record): a 0 would be a measured 0.
    const empty = e.agents === 0;
    const valid = (x: unknown) => (empty ? x === null : typeof x === "number");
    const allowed = empty ? "null (a population without agents has no value)" : "a number";
    for (const f of POPULATION_VALUES) if (!valid(e[f])) badRecords(`${p}.${f}`, e[f], allowed);
    if (e.toppedUp !== undefined && !valid(e.toppedUp))
      badRecords(`${p}.toppedUp`, e.toppedUp, `${allowed}, or left out${empty ? "" : " (no top-ups)"}`);
  });
}

const blankIfZero = (x: number) => (x === 0 ? "" : fmtNumber(x));

function timeseriesRows(records: RunRecords, k: number): string[][] {
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
