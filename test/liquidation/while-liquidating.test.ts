/**
 * policy.whileLiquidating: "frozen" (centralised venues) refuses an account's own orders and auction
 * takes from the check that finds it below its trigger until the engine is done with it; "free"
 * (DeFi lending) lets it trade as before. Two instruments X 100 and Y 50, oracle marks, 10% initial,
 * 5% maintenance, no fees. The traders that try to add exposure are margin-exempt, so only the
 * freeze can stop them (a checked account under maintenance fails the initial-margin test anyway).
 */

import { AgentView, marketTape } from "@cascade/agents";
import { CascadeError, Rng, RunLoop } from "@cascade/core";
import { type PolicySpec, presets, validatePolicySpec, type WhileLiquidating } from "@cascade/liquidation";
import { BUY, SELL, type Venue } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { bid, conserved, engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

/** A margin-exempt trader long 100 X bought at 100 on 600 of cash: X at 96 (equity 200) puts it under maintenance (480). */
function longTrader(v: Venue, mk: number): number {
  const a = v.openAccount("trader", { marginExempt: true });
  v.deposit(a, 600);
  open(v, a, mk, 0, 100, 100);
  return a;
}

/** Tries to buy 5 Y at the mark (adds exposure); the refusal's code, or "ok" if it went through. */
function tryAdd(v: Venue, a: number): string {
  try {
    v.submit({ account: a, instrument: 1, side: BUY, quantity: 5, type: "limit", price: 49 });
    return "ok";
  } catch (e) {
    if (!(e instanceof CascadeError)) throw e;
    return e.code;
  }
}

const modes: WhileLiquidating[] = ["frozen", "free"];

describe("an account in liquidation under whileLiquidating", () => {
  test.each(modes)("%s: between slices (sliced execution)", (mode) => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = longTrader(v, mk);
    bid(v, mk, 0, 1000, 95);
    const e = engineFor(
      v,
      presets.fullClose({
        execution: { kind: "sliced", slices: 4, maxSlippage: 0.05 },
        whileLiquidating: mode,
      }),
    );
    setMarks(v, [96, 50]);
    for (let t = 1; t <= 4; t++) {
      v.advance(t);
      e.check(t);
      if (t < 4) {
        expect(v.isFrozen(a)).toBe(mode === "frozen");
        expect(tryAdd(v, a)).toBe(mode === "frozen" ? "ACCOUNT_IN_LIQUIDATION" : "ok");
        if (mode === "free") v.cancelAll(a);
      }
    }
    // the engine's slices went through the freeze: 25 lots each, flat after the fourth, released
    expect(e.records.map((r) => [r.tick, r.quantity])).toEqual([
      [1, 25],
      [2, 25],
      [3, 25],
      [4, 25],
    ]);
    expect(v.position(a, 0)).toBe(0);
    expect(v.isFrozen(a)).toBe(false);
    expect(tryAdd(v, a)).toBe("ok");
    expect(conserved(v)).toBe(true);
  });

  test.each(modes)("%s: while its auction runs; keepers' takes and the fallback still go through", (mode) => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = longTrader(v, mk);
    const keeper = v.openAccount("keeper");
    v.deposit(keeper, 1_000_000);
    const e = engineFor(v, presets.dutchAuction({ durationTicks: 3, whileLiquidating: mode }));
    setMarks(v, [96, 50]);
    v.advance(1);
    e.check(1);
    const au = v.openAuctions().find((x) => x.seller === a);
    expect(au?.quantity).toBe(100);
    expect(v.isFrozen(a)).toBe(mode === "frozen");
    expect(tryAdd(v, a)).toBe(mode === "frozen" ? "ACCOUNT_IN_LIQUIDATION" : "ok");
    if (mode === "free") v.cancelAll(a);
    v.advance(2);
    expect(v.takeAuction(au?.id as number, keeper, 40, 1e9)).toBe(40);
    e.check(2);
    expect(v.isFrozen(a)).toBe(mode === "frozen");
    // the rest expires into the fallback sweep at tick 5 (the schedule runs ticks 2-4)
    bid(v, mk, 0, 100, 90);
    v.advance(5);
    e.check(5);
    expect(v.position(a, 0)).toBe(0);
    expect(e.records.map((r) => [r.execution, r.quantity])).toEqual([
      ["dutchAuction", 40],
      ["marketSweep", 60],
    ]);
    expect(v.isFrozen(a)).toBe(false);
    expect(conserved(v)).toBe(true);
  });

  test.each(modes)(
    "%s: during a stepwise cool-down while still below the trigger, released once above",
    (mode) => {
      const v = twoAssetVenue();
      const mk = maker(v);
      const a = longTrader(v, mk);
      bid(v, mk, 0, 1000, 95);
      const e = engineFor(
        v,
        presets.stepwise({ minNotional: 1000, cooldownTicks: 5, backstop: null, whileLiquidating: mode }),
      );
      setMarks(v, [96, 50]);
      v.advance(1);
      e.check(1);
      // one 20% step, still under maintenance: it waits for its next step
      expect(e.records.map((r) => r.quantity)).toEqual([20]);
      expect(v.equity(a)).toBeLessThan(v.maintenanceRequirement(a));
      for (let t = 2; t <= 3; t++) {
        v.advance(t);
        e.check(t);
        expect(e.records).toHaveLength(1);
        expect(v.isFrozen(a)).toBe(mode === "frozen");
        expect(tryAdd(v, a)).toBe(mode === "frozen" ? "ACCOUNT_IN_LIQUIDATION" : "ok");
        if (mode === "free") v.cancelAll(a);
      }
      // X recovers: the next check finds it above its trigger, the cool-down no longer holds it
      setMarks(v, [100, 50]);
      v.advance(4);
      e.check(4);
      expect(v.equity(a)).toBeGreaterThanOrEqual(v.maintenanceRequirement(a));
      expect(v.isFrozen(a)).toBe(false);
      expect(tryAdd(v, a)).toBe("ok");
    },
  );

  test("frozen: a step that leaves the account above its trigger releases it at once, cool-down or not", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = longTrader(v, mk);
    v.deposit(a, 200); // equity 400 at X 96, under maintenance 480
    bid(v, mk, 0, 1000, 96);
    // half of the position closed at the mark: 50 X left on 400 of equity, above maintenance 240
    const e = engineFor(
      v,
      presets.stepwise({
        minNotional: 1000,
        fraction: 0.5,
        cooldownTicks: 5,
        backstop: null,
        whileLiquidating: "frozen",
      }),
    );
    const frozenAtCall: boolean[] = [];
    e.marginCalls$.subscribe((c) => frozenAtCall.push(v.isFrozen(c.account)));
    setMarks(v, [96, 50]);
    v.advance(1);
    e.check(1);
    expect(frozenAtCall).toEqual([true]);
    expect(e.records.map((r) => r.quantity)).toEqual([50]);
    expect(v.equity(a)).toBeGreaterThanOrEqual(v.maintenanceRequirement(a));
    expect(v.isFrozen(a)).toBe(false);
  });

  test.each(modes)(
    "%s: after a sweep that found no bids within its bound, until the engine sells",
    (mode) => {
      const v = twoAssetVenue();
      const mk = maker(v);
      const a = longTrader(v, mk);
      bid(v, mk, 0, 1000, 80); // below the 5% bound
      const e = engineFor(v, presets.fullClose({ whileLiquidating: mode }));
      setMarks(v, [96, 50]);
      v.advance(1);
      e.check(1);
      expect(e.records).toEqual([]);
      expect(v.isFrozen(a)).toBe(mode === "frozen");
      expect(tryAdd(v, a)).toBe(mode === "frozen" ? "ACCOUNT_IN_LIQUIDATION" : "ok");
      if (mode === "free") v.cancelAll(a);
      // its own reduce-only sale is refused too when frozen (only the engine sells)
      const sell = () =>
        v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "market", reduceOnly: true });
      if (mode === "frozen") expect(sell).toThrow(/ACCOUNT_IN_LIQUIDATION|account not in liquidation/);
      bid(v, mk, 0, 1000, 93);
      v.advance(2);
      e.check(2);
      expect(v.position(a, 0)).toBe(0);
      expect(v.isFrozen(a)).toBe(false);
      expect(conserved(v)).toBe(true);
    },
  );

  test("frozen: the backstop vault's takeover and ADL transfers go through, and release the account", () => {
    for (const policy of [
      presets.backstopVault({ whileLiquidating: "frozen" }),
      presets.fullClose({ whenFundEmpty: "adl", whileLiquidating: "frozen" }),
    ]) {
      const v = twoAssetVenue();
      const mk = maker(v);
      const a = longTrader(v, mk);
      // a profitable short to deleverage against
      const s = v.openAccount("short");
      v.deposit(s, 10_000);
      open(v, s, mk, 0, -100, 100);
      const e = engineFor(v, policy);
      setMarks(v, [93, 50]);
      if (policy.execution.kind !== "backstop") setMarks(v, [90, 50]); // bankrupt: ADL
      v.advance(1);
      e.check(1);
      expect(v.position(a, 0)).toBe(0);
      expect(e.records[0].execution).toBe(policy.execution.kind === "backstop" ? "backstop" : "adl");
      expect(v.isFrozen(a)).toBe(false);
      expect(conserved(v)).toBe(true);
    }
  });
});

describe("the venue's refusal", () => {
  test("names the account, its label and why; cancels, deposits and marginAllows do not throw", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("leveraged[4].19");
    v.deposit(a, 1000);
    open(v, a, mk, 0, 5, 100);
    v.submit({ account: a, instrument: 1, side: BUY, quantity: 2, type: "limit", price: 40 });
    v.freeze(
      a,
      'since tick 7, when it fell below the trigger of liquidation policy "fullClose" (whileLiquidating: "frozen")',
    );
    expect(() => v.submit({ account: a, instrument: 1, side: BUY, quantity: 1, type: "market" })).toThrow(
      `order rejected: account = ${a}; allowed: an account not in liquidation: account ${a} (leveraged[4].19) is frozen since tick 7, when it fell below the trigger of liquidation policy "fullClose" (whileLiquidating: "frozen"); its own orders and auction takes are refused until its liquidation ends (cancels and deposits are not)`,
    );
    expect(v.marginAllows(a, 1, BUY, 1, 50)).toBe(false);
    expect(v.marginAllows(a, 0, SELL, 1, 100)).toBe(false);
    expect(v.maxOrderQuantity(a, 1, BUY, 50)).toBe(0);
    expect(v.cancelAll(a)).toBe(2);
    v.deposit(a, 10);
    // the liquidation engine's own order: reduce-only, through the freeze
    bid(v, mk, 0, 5, 99);
    expect(
      v.submitLiquidationOrder({
        account: a,
        instrument: 0,
        side: SELL,
        quantity: 5,
        type: "market",
        reduceOnly: true,
      }).filled,
    ).toBe(5);
    expect(() =>
      v.submitLiquidationOrder({ account: a, instrument: 0, side: BUY, quantity: 5, type: "market" }),
    ).toThrow(
      "order rejected: reduceOnly = undefined; allowed: true (a liquidation order only closes what the account holds)",
    );
    v.unfreeze(a);
    expect(v.marginAllows(a, 1, BUY, 1, 50)).toBe(true);
    expect(conserved(v)).toBe(true);
  });

  test("a frozen keeper's auction take is refused; the agent view skips without throwing", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const seller = v.openAccount("seller");
    v.deposit(seller, 1000);
    open(v, seller, mk, 0, 10, 100);
    const id = v.openAuction({
      seller,
      instrument: 0,
      side: SELL,
      quantity: 10,
      startPrice: 100,
      limitPrice: 50,
      decayPerTick: 0.01,
      durationTicks: 10,
    });
    const k = v.openAccount("keeper");
    v.deposit(k, 100_000);
    open(v, k, mk, 1, 10, 50);
    v.freeze(k, "for the test");
    expect(() => v.takeAuction(id, k, 1, 1e9)).toThrow(
      `auction take rejected: bidder = ${k}; allowed: an account not in liquidation: account ${k} (keeper) is frozen for the test;`,
    );
    const loop = new RunLoop({ rng: Rng.fromSeed(1) });
    const tape = marketTape(v, loop);
    const view = new AgentView(v, tape, k, Rng.fromSeed(3));
    expect(view.inLiquidation()).toBe(true);
    expect(view.takeAuction(id, 5, 1e9)).toBe(0);
    expect(view.limit(1, BUY, 3, 49)).toBe(-1);
    expect(view.ioc(1, BUY, 3, 51)).toBe(0);
    expect(view.limit(1, SELL, 3, 51, "GTC", true)).toBe(-1); // reduce-only: refused by the freeze too
    // the take as well as the three orders (the take was counted nowhere before)
    expect(tape.activity.skippedInLiquidation).toBe(4);
    expect(tape.activity.skippedForMargin).toBe(0);
    expect(view.ordersSent).toBe(0);
    v.unfreeze(k);
    expect(view.limit(1, SELL, 3, 51, "GTC", true)).toBeGreaterThan(0);
    loop.complete();
  });
});

describe("preset defaults: the mechanism each preset models", () => {
  test("centralised venues and Maker freeze the account; Aave's close factor does not", () => {
    expect(
      Object.fromEntries(
        (Object.keys(presets) as Array<keyof typeof presets>).map((k) => [k, presets[k]().whileLiquidating]),
      ),
    ).toEqual({
      fullClose: "frozen",
      closeFactor: "free",
      restoreToTarget: "frozen",
      stepwise: "frozen",
      tieredPartial: "frozen",
      dutchAuction: "frozen",
      backstopVault: "frozen",
    });
    expect(presets.tieredPartial({ whileLiquidating: "free" }).whileLiquidating).toBe("free");
  });
});

describe("validation", () => {
  const base = (): PolicySpec => presets.fullClose();
  test("a value other than frozen or free, or none, names the field", () => {
    expect(() => validatePolicySpec("variants.cex", { ...base(), whileLiquidating: "locked" })).toThrow(
      'invalid liquidation policy: variants.cex.whileLiquidating = "locked"; allowed: one of "frozen" (an account in liquidation cannot trade: centralised venues) or "free" (it keeps trading: DeFi lending)',
    );
    const { whileLiquidating: _, ...without } = base();
    expect(() => validatePolicySpec("liquidation", without)).toThrow(
      "invalid liquidation policy: liquidation.whileLiquidating = undefined; allowed: one of",
    );
    expect(validatePolicySpec("p", presets.stepwise({ whileLiquidating: "frozen" })).whileLiquidating).toBe(
      "frozen",
    );
  });
});

describe("a custom trigger's calls (the liquidation README: pure, can be called twice a tick)", () => {
  test.each(modes)("%s: calls per tick for an account the engine is stepping", (mode) => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = longTrader(v, mk);
    bid(v, mk, 0, 1000, 95);
    let calls = 0;
    const e = engineFor(
      v,
      presets.closeFactor({
        fraction: 0.25,
        whileLiquidating: mode,
        trigger: {
          kind: "custom",
          test: (venue, account) => {
            if (account === a) calls++;
            return venue.equity(account) < venue.maintenanceRequirement(account);
          },
        },
      }),
    );
    setMarks(v, [96, 50]);
    const perTick: number[] = [];
    for (let t = 1; t <= 3; t++) {
      calls = 0;
      v.advance(t);
      e.check(t);
      perTick.push(calls);
    }
    // steps at ticks 1 and 2 leave it under maintenance (it goes flat at 3): frozen asks again after each
    expect(e.records.filter((r) => r.account === a).length).toBeGreaterThanOrEqual(2);
    expect(perTick.slice(0, 2)).toEqual(mode === "frozen" ? [2, 2] : [1, 1]);
  });
});
