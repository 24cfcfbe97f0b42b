import {
  BUILTIN_METRICS,
  computeMetrics,
  metricColumns,
  peakDrawdown,
  type RunRecords,
  realizedVolatility,
  recoveryTime,
  ticksAtBandEdge,
  ticksAtPriceBand,
} from "@cascade/experiment";
import { expect, test } from "vitest";
import { liquidationRows } from "../../packages/experiment/src/execute.js";
import { series } from "./helpers.js";

/** The run a metric is computed for (what these metrics read of it: the recovery threshold). */
const INFO = {
  run: 0,
  variant: "v",
  point: 0,
  replication: 0,
  seed: 1,
  params: {},
  config: { recoveryThreshold: 0.05 } as never,
};

// ticks 1..10; shock at tick 4; P0 = mid at tick 3 = 100
const s = series("X", [100, 100, 100, 95, 90, 92, 96, 99, 101, 100]);

test("peak drawdown after the shock, from the pre-shock price", () => {
  expect(peakDrawdown(s, 4, 10)).toBeCloseTo(0.1, 12);
  // a new peak after the shock resets the reference
  const t = series("Y", [100, 100, 100, 110, 88, 100]);
  expect(peakDrawdown(t, 4, 6)).toBeCloseTo(0.2, 12);
});

test("recovery time: ticks from the shock until back within the threshold", () => {
  expect(recoveryTime(s, 4, 10, 0.05)).toBe(3); // tick 7 (96) is within 5% of 100
  expect(recoveryTime(s, 4, 10, 0.01)).toBe(4); // tick 8 (99)
  expect(recoveryTime(series("Z", [100, 100, 100, 80, 80]), 4, 5, 0.05)).toBeNull();
  expect(recoveryTime(series("W", [100, 100, 100, 99, 101]), 4, 5, 0.05)).toBe(0);
});

test("realized volatility: RMS of log returns over the post-shock window", () => {
  const v = realizedVolatility(series("V", [100, 100, 100, 110, 100]), 4, 5) as number;
  const r1 = Math.log(1.1);
  const r2 = Math.log(100 / 110);
  expect(v).toBeCloseTo(Math.sqrt((r1 * r1 + r2 * r2) / 2), 12);
});

test("ticks at the price band: any instrument within one tick of minPrice or maxPrice", () => {
  const a = { ...series("A", [100, 200, 399, 400, 250, 2, 1, 100]), maxPrice: 400 };
  const b = { ...series("B", [50, 50, 50, 50, 50, 50, 50, 199]), maxPrice: 200 };
  // A: 399 and 400 (at most 1 below maxPrice 400), 2 and 1 (at most 1 above minPrice 1); B: 199
  expect(ticksAtPriceBand([a], 8)).toBe(4);
  expect(ticksAtPriceBand([b], 8)).toBe(1);
  expect(ticksAtPriceBand([a, b], 8)).toBe(5);
  // a tick counts once when both instruments are at their band
  expect(ticksAtPriceBand([a, { ...b, maxPrice: 51 }], 8)).toBe(8);
  expect(ticksAtPriceBand([a], 3)).toBe(1);
  expect(ticksAtPriceBand([series("C", [100, 101, 99])], 3)).toBe(0);
  // without its band (a custom simulate may leave it out) the metric is blank, not 0
  expect(ticksAtPriceBand([a, { ...b, maxPrice: undefined }], 8)).toBeNull();
});

test("ticks at one edge of the band: which instrument, and floor or cap", () => {
  const a = { ...series("A", [100, 200, 399, 400, 250, 2, 1, 100]), maxPrice: 400 };
  // 399, 400 at the cap (>= maxPrice - 1); 2, 1 at the floor (<= minPrice + 1, minPrice 1)
  expect(ticksAtBandEdge(a, "max", 8)).toBe(2);
  expect(ticksAtBandEdge(a, "min", 8)).toBe(2);
  expect(ticksAtBandEdge(a, "max", 3)).toBe(1);
  expect(ticksAtBandEdge({ ...a, minPrice: 3 }, "min", 8)).toBe(2);
  expect(ticksAtBandEdge({ ...a, minPrice: 99 }, "min", 8)).toBe(4); // 100 (twice), 2 and 1
  expect(ticksAtBandEdge({ ...a, maxPrice: undefined }, "max", 8)).toBeNull();
});

test("computeMetrics: liquidation metrics, cascades, shares", () => {
  const liq = (
    id: number,
    tick: number,
    account: string,
    generation: number,
    cascadeId: number,
    notional: number,
    slippage: number,
  ) => ({
    id,
    tick,
    account,
    instrument: "X",
    side: "sell" as const,
    quantity: 1,
    price: 1,
    notional,
    mark: 1,
    slippage,
    penalty: 0,
    badDebt: 0,
    execution: "marketSweep",
    cascadeId,
    generation,
    cause: -1,
  });
  const records: RunRecords = {
    ticks: 10,
    shockTick: 4,
    series: [s],
    liquidations: [
      liq(0, 4, "leveraged[3].0", 1, 0, 100, 0.01),
      liq(1, 6, "leveraged[3].1", 2, 0, 300, 0.03),
      liq(2, 6, "leveraged[3].0", 1, 2, 100, 0.02),
    ],
    totals: { badDebt: 5, insuranceDraw: 2, adlVolume: 0 },
    leveragedAccounts: 8,
  };
  const cols = metricColumns(BUILTIN_METRICS, ["X"], []);
  // Every built-in metric of some records, by column name.
  const byColumn = (r: RunRecords) => {
    const values = computeMetrics(r, INFO, BUILTIN_METRICS, ["X"], []);
    return Object.fromEntries(cols.map((c, i) => [c, values[i]]));
  };
  const m = byColumn(records);
  expect(m.liquidated_notional).toBe(500);
  // book_liquidated_notional: sweeps and slices only (a vault takeover, an auction take, ADL are off-book)
  expect(m.book_liquidated_notional).toBe(500);
  const mixed = byColumn({
    ...records,
    liquidations: [
      { ...records.liquidations[0], execution: "sliced" },
      { ...records.liquidations[1], execution: "backstop" },
      { ...records.liquidations[2], execution: "dutchAuction" },
      { ...records.liquidations[2], id: 3, execution: "adl", notional: 40 },
      { ...records.liquidations[2], id: 4, execution: "marketSweep", notional: 7 },
    ],
  });
  expect(mixed.liquidated_notional).toBe(100 + 300 + 100 + 40 + 7);
  expect(mixed.book_liquidated_notional).toBe(100 + 7);
  // book_mean_slippage: the same records' notional-weighted slippage (0.01 x 100 + 0.02 x 7), where
  // mean_slippage also averages in the vault's, the auction's and ADL's
  expect(mixed.book_mean_slippage).toBeCloseTo((0.01 * 100 + 0.02 * 7) / 107, 9); // 10 significant digits
  expect(mixed.mean_slippage).toBeCloseTo(
    (0.01 * 100 + 0.03 * 300 + 0.02 * 100 + 0.02 * 40 + 0.02 * 7) / 547,
    12,
  );
  expect(m.book_mean_slippage).toBeCloseTo(m.mean_slippage as number, 12);
  // nothing sold on the book: blank, as mean_slippage without liquidations
  const offBook = byColumn({
    ...records,
    liquidations: [{ ...records.liquidations[1], execution: "backstop" }],
  });
  expect(offBook.book_mean_slippage).toBeNull();
  expect(offBook.mean_slippage).toBe(0.03);
  expect(m.liquidations).toBe(3);
  expect(m.accounts_liquidated).toBe(2);
  expect(m.accounts_liquidated_share).toBe(0.25);
  // A keeper liquidated too counts among the accounts, not in the leveraged share (it exceeded 1).
  const withKeeper = {
    ...records,
    liquidations: [...records.liquidations, liq(3, 7, "liquidator[5].0", 1, 3, 50, 0)],
  };
  const k = byColumn(withKeeper);
  expect(k.accounts_liquidated).toBe(3);
  expect(k.accounts_liquidated_share).toBe(0.25);
  // A custom population's agent (customAgents, label "<name>[p].k") counts as a trader account the
  // same way: among the accounts liquidated, not in the leveraged share.
  const withCustom = {
    ...withKeeper,
    liquidations: [...withKeeper.liquidations, liq(4, 8, "dipBuyer[6].2", 1, 3, 50, 0)],
  };
  const c = byColumn(withCustom);
  expect(c.accounts_liquidated).toBe(4);
  expect(c.accounts_liquidated_share).toBe(0.25);
  expect(c.liquidations).toBe(5);
  expect(m.max_cascade_depth).toBe(2);
  expect(m.max_cascade_duration).toBe(3);
  // bad debt of accounts never in liquidation (cascade -1, generation 0) at ticks 2 and 9: no cascade
  const debtOnly = byColumn({
    ...records,
    liquidations: [
      { ...liq(3, 2, "leveraged[3].2", 0, -1, 0, 0), quantity: 0, badDebt: 4 },
      ...records.liquidations,
      { ...liq(4, 9, "leveraged[3].3", 0, -1, 0, 0), quantity: 0, badDebt: 1 },
    ],
  });
  expect(debtOnly.max_cascade_depth).toBe(2);
  expect(debtOnly.max_cascade_duration).toBe(3);
  expect(debtOnly.liquidations).toBe(3);
  // nor are those accounts liquidated: nothing of theirs was sold (the engine's stats().accountsLiquidated)
  expect(debtOnly.accounts_liquidated).toBe(2);
  expect(debtOnly.accounts_liquidated_share).toBe(0.25);
  expect(m.bad_debt).toBe(5);
  expect(m.insurance_draw).toBe(2);
  // who paid the rest of bad_debt: blank when the records' totals (a custom simulate's) leave it out
  for (const c of ["backstop_absorbed", "adl_covered", "socialized_loss", "unrecovered_debt"])
    expect(m[c]).toBeNull();
  const waterfall = byColumn({
    ...records,
    totals: { ...records.totals, backstopAbsorbed: 1, adlCovered: 2, socializedLoss: 0, unrecoveredDebt: 0 },
  });
  expect([waterfall.backstop_absorbed, waterfall.adl_covered, waterfall.socialized_loss]).toEqual([1, 2, 0]);
  expect(m.mean_slippage).toBeCloseTo((1 + 9 + 2) / 500, 12);
  expect(m.worst_slippage).toBe(0.03);
  expect(m.min_depth).toBe(10);
  // ticks 4..10: min(depth_bid, depth_ask) = 10, 11, 11, 10, 11, 12, 10
  expect(m.mean_depth).toBeCloseTo(75 / 7, 7); // stored to 10 significant digits
  expect(m.max_spread).toBeCloseTo(2 / 90, 9);
  expect(m.recovery_time).toBe(3);
  expect(m.recovered).toBe(1);
  expect(m.recovery_time_capped).toBe(3);
  // A second instrument that falls at the shock (tick 4) and never comes back: recovery_time blank,
  // the capped time the whole window s..T plus one tick (10 - 4 + 1), never blank.
  const never = { ...records, series: [s, series("N", [100, 100, 100, 50, 50, 50, 50, 50, 50, 50])] };
  const recovery = ["recovery_time", "recovered", "recovery_time_capped"] as const;
  expect(computeMetrics(never, INFO, recovery, ["X", "N"], [])).toEqual([null, 0, 7]);
  // Recovered at the last tick: 6, below the cap.
  const late = { ...records, series: [series("L", [100, 100, 100, 50, 50, 50, 50, 50, 50, 100])] };
  expect(computeMetrics(late, INFO, recovery, ["L"], [])).toEqual([6, 1, 6]);
  expect(m.peak_drawdown).toBeCloseTo(0.1, 9);
  expect(m.peak_drawdown_X).toBeCloseTo(0.1, 9);
  expect(m.ticks_at_price_band).toBe(0);
  expect(m.backstop_pnl).toBeNull(); // no vault
  const vault = { ...records, totals: { ...records.totals, backstopPnl: -250.5 } };
  const withVault = computeMetrics(vault, INFO, ["backstop_pnl"], ["X"], []);
  expect(withVault).toEqual([-250.5]);
});

test("liquidations.csv cells: a settlement record leaves side, price, mark and slippage blank", () => {
  const row = {
    id: 3,
    tick: 514,
    account: "leveraged[4].19",
    instrument: "X",
    side: "sell" as const,
    quantity: 7,
    price: 95,
    notional: 665,
    mark: 96,
    slippage: 0.0104,
    penalty: 6,
    badDebt: 0,
    execution: "dutchAuction",
    cascadeId: 0,
    generation: 1,
    cause: -1,
  };
  const settlement = {
    ...row,
    id: 4,
    instrument: "",
    quantity: 0,
    price: 0,
    notional: 0,
    mark: 0,
    slippage: 0,
    badDebt: 1423,
  };
  const records = { liquidations: [row, settlement] } as unknown as RunRecords;
  expect(liquidationRows(records)).toEqual([
    [
      "3",
      "514",
      "leveraged[4].19",
      "X",
      "sell",
      "7",
      "95",
      "96",
      "665",
      "0.0104",
      "6",
      "0",
      "dutchAuction",
      "0",
      "1",
      "-1",
    ],
    [
      "4",
      "514",
      "leveraged[4].19",
      "",
      "",
      "0",
      "",
      "",
      "0",
      "",
      "6",
      "1423",
      "dutchAuction",
      "0",
      "1",
      "-1",
    ],
  ]);
});

test("a custom metric returning anything but a number or null is named, with the value", () => {
  const records = {
    ticks: 10,
    shockTick: 4,
    series: [s],
    liquidations: [],
    totals: { badDebt: 0, insuranceDraw: 0, adlVolume: 0 },
    leveragedAccounts: 0,
  } as RunRecords;
  expect(() => computeMetrics(records, INFO, [], ["X"], [["ratio", () => "high" as never]])).toThrow(
    'custom metric failed: metrics.custom.ratio = "high"; allowed: a number or null',
  );
  // the usual ways to get there are named, with what to return instead
  const fails = (v: unknown) => () => computeMetrics(records, INFO, [], ["X"], [["m", () => v as never]]);
  expect(fails(true)).toThrow(
    "metrics.custom.m = true; allowed: a number or null (the function's return value); for a 0/1 outcome return a number (`x ? 1 : 0`)",
  );
  expect(fails(undefined)).toThrow(
    "metrics.custom.m = undefined; allowed: a number or null (the function's return value); undefined comes from a block body without return",
  );
  expect(fails("0.055")).toThrow(
    'metrics.custom.m = "0.055"; allowed: a number or null (the function\'s return value); this is text, e.g. from toFixed',
  );
  expect(fails("high")).toThrow(/return value\)$/);
});

test("a custom metric that throws is named, with its error (and the error kept as the cause)", () => {
  const records = {
    ticks: 10,
    shockTick: 4,
    series: [s],
    liquidations: [],
    totals: { badDebt: 0, insuranceDraw: 0, adlVolume: 0 },
    leveragedAccounts: 0,
  } as RunRecords;
  const boom = new Error("boom");
  const run = () =>
    computeMetrics(
      records,
      INFO,
      [],
      ["X"],
      [
        ["fine", () => 1],
        [
          "ratio",
          () => {
            throw boom;
          },
        ],
      ],
    );
  expect(run).toThrow("custom metric failed: metrics.custom.ratio threw: boom");
  try {
    run();
  } catch (e) {
    expect((e as Error).cause).toBe(boom);
    expect((e as Error).stack).toContain(boom.stack);
  }
});
