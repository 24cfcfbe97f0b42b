/**
 * An account that recovers (prices, a deposit) while its liquidation is spread over ticks: a
 * partial amount rule's remaining slices are dropped once the account no longer needs them (at or
 * above its trigger; restoreToTarget: at its target margin ratio), and it leaves liquidation (a
 * frozen account is released); a full close sells on; an open Dutch auction runs on (the lots are
 * the auction's, as Maker's `bark` grabs them). Two instruments X 100 and Y 50, oracle marks, 10%
 * initial, 5% maintenance, no fees.
 */

import { type PolicySpec, presets } from "@cascade/liquidation";
import type { Venue } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { bid, conserved, engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

/** A margin-exempt trader long 100 X bought at 100 on 600 of cash (cash -9,400 after). */
function longTrader(v: Venue, mk: number): number {
  const a = v.openAccount("trader", { marginExempt: true });
  v.deposit(a, 600);
  open(v, a, mk, 0, 100, 100);
  return a;
}

const sliced = { kind: "sliced", slices: 4, maxSlippage: 0.05 } as const;

/**
 * X at 96 puts the trader below its trigger (equity 200 < maintenance 480; health factor 0.970);
 * the first slice sells at 95; `recover` runs before the check of tick 2; returns the lots sold per tick.
 */
function run(policy: PolicySpec, recover: (v: Venue, a: number) => void) {
  const v = twoAssetVenue();
  const mk = maker(v);
  const a = longTrader(v, mk);
  bid(v, mk, 0, 1000, 95);
  const e = engineFor(v, policy);
  setMarks(v, [96, 50]);
  v.advance(1);
  e.check(1);
  const frozenAfterFirst = v.isFrozen(a);
  recover(v, a);
  for (let t = 2; t <= 5; t++) {
    v.advance(t);
    e.check(t);
  }
  return {
    v,
    a,
    e,
    frozenAfterFirst,
    sold: e.records.map((r) => [r.tick, r.quantity]),
  };
}

const byPrice = (v: Venue) => setMarks(v, [100, 50]);
const byDeposit = (v: Venue, a: number) => v.deposit(a, 1000);

describe("a sliced liquidation of an account that recovers", () => {
  test.each([
    ["prices", byPrice],
    ["a deposit", byDeposit],
  ] as const)("closeFactor: the rest of the 50%% plan is dropped after recovery by %s", (_, recover) => {
    const { v, a, e, frozenAfterFirst, sold } = run(
      presets.closeFactor({ fraction: 0.5, execution: sliced, whileLiquidating: "frozen" }),
      recover,
    );
    // 50 lots planned in 4 slices: the first (13) sold, then the account is healthy again
    expect(frozenAfterFirst).toBe(true);
    expect(sold).toEqual([[1, 13]]);
    expect(v.healthFactor(a)).toBeGreaterThanOrEqual(1);
    expect(v.position(a, 0)).toBe(87);
    expect(v.isFrozen(a)).toBe(false);
    expect(e.stats().marginCalls).toBe(1);
    expect(conserved(v)).toBe(true);
  });

  test("stepwise: the step's remaining slices are dropped once above maintenance", () => {
    const { v, a, sold } = run(
      presets.stepwise({
        fraction: 0.5,
        minNotional: 1000,
        cooldownTicks: 0,
        backstop: null,
        execution: sliced,
        whileLiquidating: "frozen",
      }),
      byPrice,
    );
    expect(sold).toEqual([[1, 13]]);
    expect(v.equity(a)).toBeGreaterThanOrEqual(v.maintenanceRequirement(a));
    expect(v.isFrozen(a)).toBe(false);
  });

  test("restoreToTarget: slices go on above the trigger until the target margin ratio is reached", () => {
    // the plan (the whole position, 25 lots a slice) aims at 1.25 x maintenance; after the first slice X at 99 puts
    // the trader above maintenance but below the target, after the second X at 100 and a deposit
    // of 200 above it (the bid at 95 stays within every slice's 5% bound)
    const marks: number[] = [99, 100, 100, 100];
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = longTrader(v, mk);
    bid(v, mk, 0, 1000, 95);
    const e = engineFor(
      v,
      presets.restoreToTarget({ targetMarginRatio: 1.25, execution: sliced, whileLiquidating: "frozen" }),
    );
    setMarks(v, [96, 50]);
    v.advance(1);
    e.check(1);
    const ratios: number[] = [];
    for (let t = 2; t <= 5; t++) {
      setMarks(v, [marks[t - 2], 50]);
      if (t === 3) v.deposit(a, 200);
      ratios.push(v.equity(a) / v.maintenanceRequirement(a));
      v.advance(t);
      e.check(t);
    }
    // tick 2: above 1, below 1.25: the second slice sells; tick 3: above 1.25: the rest is dropped
    expect(ratios[0]).toBeGreaterThanOrEqual(1);
    expect(ratios[0]).toBeLessThan(1.25);
    expect(ratios[1]).toBeGreaterThanOrEqual(1.25);
    expect(e.records.map((r) => [r.tick, r.quantity])).toEqual([
      [1, 25],
      [2, 25],
    ]);
    expect(v.isFrozen(a)).toBe(false);
  });

  test("fullClose: every slice is sold, recovered or not, and the account stays frozen until flat", () => {
    const frozen: boolean[] = [];
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = longTrader(v, mk);
    bid(v, mk, 0, 1000, 95);
    const e = engineFor(v, presets.fullClose({ execution: sliced, whileLiquidating: "frozen" }));
    setMarks(v, [96, 50]);
    for (let t = 1; t <= 4; t++) {
      if (t === 2) setMarks(v, [100, 50]);
      v.advance(t);
      e.check(t);
      frozen.push(v.isFrozen(a));
    }
    expect(e.records.map((r) => [r.tick, r.quantity])).toEqual([
      [1, 25],
      [2, 25],
      [3, 25],
      [4, 25],
    ]);
    expect(frozen).toEqual([true, true, true, false]);
    expect(v.position(a, 0)).toBe(0);
  });

  test("an account still in deficit sells every slice, whatever its trigger says", () => {
    // a custom trigger that fires for the trader at tick 1 only: the plan was a full close of a
    // bankrupt account (equity -100 at X 93)
    let fire = true;
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = longTrader(v, mk);
    bid(v, mk, 0, 1000, 93);
    const e = engineFor(
      v,
      presets.closeFactor({
        execution: sliced,
        trigger: { kind: "custom", test: (_, account) => fire && account === a },
      }),
    );
    setMarks(v, [93, 50]);
    v.advance(1);
    e.check(1);
    fire = false;
    expect(v.equity(a)).toBeLessThan(0);
    for (let t = 2; t <= 4; t++) {
      v.advance(t);
      e.check(t);
    }
    expect(v.position(a, 0)).toBe(0);
    expect(e.records.filter((r) => r.quantity > 0).map((r) => r.quantity)).toEqual([25, 25, 25, 25]);
  });
});

describe("an open Dutch auction of an account that recovers", () => {
  test("runs on: keepers take its lots and the account stays frozen until it closes", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = longTrader(v, mk);
    const keeper = v.openAccount("keeper");
    v.deposit(keeper, 1_000_000);
    const e = engineFor(
      v,
      presets.dutchAuction({
        amount: { kind: "closeFactor", fraction: 0.5 },
        durationTicks: 3,
        whileLiquidating: "frozen",
      }),
    );
    setMarks(v, [96, 50]);
    v.advance(1);
    e.check(1);
    const au = v.openAuctions().find((x) => x.seller === a);
    expect(au?.quantity).toBe(50);
    setMarks(v, [100, 50]);
    v.advance(2);
    e.check(2);
    expect(v.equity(a)).toBeGreaterThanOrEqual(v.maintenanceRequirement(a));
    expect(v.isFrozen(a)).toBe(true);
    v.advance(3);
    expect(v.takeAuction(au?.id as number, keeper, 50, 1e9)).toBe(50);
    e.check(3);
    expect(v.position(a, 0)).toBe(50);
    expect(v.isFrozen(a)).toBe(false);
    expect(conserved(v)).toBe(true);
  });
});
