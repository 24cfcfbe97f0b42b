/**
 * A leveraged trader's margin top-up (`marginTopUp: { below, to, reserve | reserveOfCapital }`):
 * on a wake with equity / maintenance below `below` it deposits the least whole cash that brings
 * the ratio to `to`, from a finite reserve. One instrument X at 100 with oracle marks, 10% initial
 * and 5% maintenance, no fees; the trader holds 100 X bought at 100 on 1,500 of capital (ratio 3)
 * and never trades by itself (rebalanceThreshold 1e15, no dip buying), so only the top-ups and the
 * liquidation engine move its cash.
 */

import {
  buildPopulation,
  type LeveragedParams,
  type LeveragedTrader,
  leveragedTraders,
  validatePopulationSpec,
} from "@cascade/agents";
import { Rng, RunLoop, ValidationError } from "@cascade/core";
import { LiquidationEngine, type PolicySpec, presets } from "@cascade/liquidation";
import { BUY, SELL, Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { leastAllocatedBytes } from "../allocation.js";

const NEVER = { once: 1e12 } as const;

/** The venue, a maker with plenty of cash, and the trader (long 100 X at 100) built from `over`. */
function setup(over: Partial<LeveragedParams>, seed = 1) {
  const venue = new Venue({ instruments: [{ symbol: "X", initialPrice: 100 }], mark: { kind: "oracle" } });
  const loop = new RunLoop({ rng: Rng.fromSeed(seed) });
  const maker = venue.openAccount("maker");
  venue.deposit(maker, 1e9);
  const pop = buildPopulation(
    leveragedTraders({
      count: 1,
      activation: NEVER,
      leverage: 5,
      capital: 1500,
      rebalanceThreshold: 1e15,
      dipBuying: 0,
      ...over,
    }),
    { venue, loop, rng: Rng.fromSeed(seed).split("agents") },
    0,
  );
  const account = pop.accounts[0];
  venue.submit({ account: maker, instrument: 0, side: SELL, quantity: 100, type: "limit", price: 100 });
  venue.submit({ account, instrument: 0, side: BUY, quantity: 100, type: "market" });
  const trader = pop.agents[0] as LeveragedTrader;
  return { venue, loop, maker, account, trader, view: pop.views[0] };
}

function markX(venue: Venue, price: number, tick: number): void {
  venue.setOraclePrice(0, price);
  venue.advance(tick);
  venue.updateMarks();
}

const conserved = (v: Venue) => v.totalCash() === v.totalDeposits && v.totalPosition(0) === 0;

function err(f: () => unknown): ValidationError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("margin top-up of a leveraged trader", () => {
  test("tops up below the threshold only, by the least whole amount that restores the target ratio", () => {
    const { venue, account, trader, view } = setup({ marginTopUp: { below: 1.3, to: 1.5, reserve: 10_000 } });
    expect(venue.cash(account)).toBe(1500 - 10_000);
    // X at 91: equity 600, maintenance 455, ratio 1.319: above 1.3, nothing
    markX(venue, 91, 1);
    const deposits = venue.totalDeposits;
    trader.act(1);
    expect(venue.totalDeposits).toBe(deposits);
    expect(trader.topUps).toBe(0);
    // X at 89: equity 400, maintenance 445 (ratio 0.90); 1.5 x 445 = 667.5: 268, not 267.5 or 267
    markX(venue, 89, 2);
    trader.act(2);
    expect(trader.toppedUp).toBe(268);
    expect(venue.equity(account)).toBe(668);
    expect(venue.marginRatio(account)).toBeGreaterThanOrEqual(1.5);
    expect((668 - 1) / venue.maintenanceRequirement(account)).toBeLessThan(1.5);
    expect(venue.totalDeposits).toBe(deposits + 268);
    expect(view.deposited).toBe(268);
    expect(trader.reserveLeft).toBe(10_000 - 268);
    expect(conserved(venue)).toBe(true);
    // at 1.5 now: the next wake at the same marks adds nothing
    trader.act(3);
    expect(trader.topUps).toBe(1);
    // X at 88: equity 568 against maintenance 440 (1.29): 1.5 x 440 - 568 = 92
    markX(venue, 88, 4);
    const eq = venue.equity(account);
    const mm = venue.maintenanceRequirement(account);
    expect(eq / mm).toBeLessThan(1.3);
    trader.act(4);
    expect(trader.toppedUp - 268).toBe(92);
    expect(92).toBe(Math.ceil(1.5 * mm - eq));
    expect(trader.topUps).toBe(2);
  });

  test("an exact target is met without a unit more (ratio exactly `to` after the deposit)", () => {
    const { venue, account, trader } = setup({ marginTopUp: { below: 1.2, to: 1.5, reserve: 10_000 } });
    // X at 90: equity 500, maintenance 450; 1.5 x 450 = 675 exactly: 175
    markX(venue, 90, 1);
    trader.act(1);
    expect(trader.toppedUp).toBe(175);
    expect(venue.marginRatio(account)).toBe(1.5);
  });

  test("the reserve is never exceeded: the last top-up is what is left, then none", () => {
    const { venue, account, trader, view } = setup({
      marginTopUp: { below: 1.2, to: 1.5, reserveOfCapital: 0.2 },
    });
    expect(trader.reserveLeft).toBe(300); // 0.2 x 1,500
    markX(venue, 89, 1);
    trader.act(1);
    expect(trader.toppedUp).toBe(268);
    // X at 85: equity 268 against maintenance 425: needs 369.5, gets the 32 left
    markX(venue, 85, 2);
    trader.act(2);
    expect(trader.toppedUp).toBe(300);
    expect(trader.reserveLeft).toBe(0);
    expect(venue.marginRatio(account)).toBeLessThan(1.5);
    markX(venue, 80, 3);
    trader.act(3);
    expect(trader.toppedUp).toBe(300);
    expect(view.deposited).toBe(300);
    expect(trader.topUps).toBe(2);
    expect(conserved(venue)).toBe(true);
  });

  test("view.deposit takes whole cash units only, and counts them", () => {
    const { venue, account, view } = setup({});
    view.deposit(25);
    expect(view.deposited).toBe(25);
    expect(venue.cash(account)).toBe(1500 - 10_000 + 25);
    expect(() => view.deposit(2.5)).toThrow("amount = 2.5; allowed: an integer number of cash units");
    expect(() => view.deposit(0)).toThrow("amount = 0");
    expect(view.deposited).toBe(25);
    expect(conserved(venue)).toBe(true);
  });

  test("a wake's top-up check and deposit allocate nothing", () => {
    const { venue, maker, account, trader } = setup({ marginTopUp: { below: 1.2, to: 1.5, reserve: 1e12 } });
    markX(venue, 89, 1);
    const calls = 4000;
    let wrong = 0;
    // each call tops up 268; the transfer back (no observer: no event) restores the ratio for the next
    const cycle = () => {
      for (let k = 0; k < calls; k++) {
        if (trader.topUpMargin() !== 268) wrong++;
        venue.transferCash(account, maker, 268, "withdrawn");
        trader.act(1); // ratio 0.9 < 1.2 again: tops up inside act, then nothing to trade
        venue.transferCash(account, maker, 268, "withdrawn");
      }
    };
    for (let w = 0; w < 3; w++) cycle(); // warm: optimized code
    const bytes = leastAllocatedBytes(cycle);
    expect(wrong).toBe(0);
    expect(trader.topUps).toBe(12 * calls);
    // one 16-byte object per call would be 64,000 bytes
    expect(bytes / calls).toBeLessThan(8);
  });

  test("off by default and with a reserve of 0: no deposit at any ratio", () => {
    for (const over of [{}, { marginTopUp: { below: 2, to: 3, reserve: 0 } }]) {
      const { venue, trader } = setup(over);
      const deposits = venue.totalDeposits;
      markX(venue, 87, 1);
      trader.act(1);
      expect(venue.totalDeposits).toBe(deposits);
      expect(trader.toppedUp).toBe(0);
    }
  });

  test("frozen: a top-up during a stepwise cool-down ends the liquidation at the next check", () => {
    const run = (topUp: boolean) => {
      const { venue, maker, account, trader } = setup(
        topUp ? { marginTopUp: { below: 1.2, to: 1.5, reserve: 5000 } } : {},
      );
      venue.submit({ account: maker, instrument: 0, side: BUY, quantity: 1000, type: "limit", price: 85 });
      const policy: PolicySpec = presets.stepwise({
        minNotional: 1000,
        cooldownTicks: 5,
        backstop: null,
        whileLiquidating: "frozen",
      });
      const engine = new LiquidationEngine({
        venue,
        loop: new RunLoop({ rng: Rng.fromSeed(1) }),
        policy,
        rng: Rng.fromSeed(2),
      });
      // X at 86: equity 100 against maintenance 430; the first 20% step sells 20 at 85
      markX(venue, 86, 1);
      engine.check(1);
      expect(engine.records.map((r) => r.quantity)).toEqual([20]);
      expect(venue.isFrozen(account)).toBe(true);
      expect(venue.equity(account)).toBeLessThan(venue.maintenanceRequirement(account));
      for (let t = 2; t <= 8; t++) {
        venue.advance(t);
        trader.act(t); // the deposit goes through the freeze; orders would not
        engine.check(t);
        if (topUp) expect(venue.isFrozen(account), `tick ${t}`).toBe(false);
      }
      return { engine, venue, account, trader };
    };
    const saved = run(true);
    // equity 80, maintenance 344: 1.5 x 344 - 80 = 436
    expect(saved.trader.toppedUp).toBe(436);
    expect(saved.engine.records).toHaveLength(1);
    expect(saved.venue.position(saved.account, 0)).toBe(80);
    expect(saved.trader.view.inLiquidation()).toBe(false);
    expect(conserved(saved.venue)).toBe(true);
    // without it the cool-down ends in the next 20% step
    const lost = run(false);
    expect(lost.engine.records.length).toBeGreaterThan(1);
    expect(lost.venue.position(lost.account, 0)).toBeLessThan(80);
  });

  test("frozen: a top-up does not stop slices already planned; the account is released when they end", () => {
    const { venue, maker, account, trader } = setup({ marginTopUp: { below: 1.2, to: 1.5, reserve: 5000 } });
    venue.submit({ account: maker, instrument: 0, side: BUY, quantity: 1000, type: "limit", price: 85 });
    const engine = new LiquidationEngine({
      venue,
      loop: new RunLoop({ rng: Rng.fromSeed(1) }),
      policy: presets.fullClose({
        penaltyRate: 0,
        execution: { kind: "sliced", slices: 4, maxSlippage: 0.05 },
      }),
      rng: Rng.fromSeed(2),
    });
    markX(venue, 86, 1);
    engine.check(1);
    expect(venue.isFrozen(account)).toBe(true);
    for (let t = 2; t <= 4; t++) {
      venue.advance(t);
      trader.act(t);
      engine.check(t);
      expect(venue.isFrozen(account), `tick ${t}`).toBe(t < 4);
    }
    // topped up at tick 2 (equity 75 against maintenance 322.5 on 75 lots: 1.5 x 322.5 - 75 = 408.75)
    expect(trader.toppedUp).toBe(409);
    expect(trader.topUps).toBe(1);
    expect(engine.records.map((r) => r.quantity)).toEqual([25, 25, 25, 25]);
    expect(venue.position(account, 0)).toBe(0);
    expect(conserved(venue)).toBe(true);
  });

  test("property: over random price paths cash is conserved and reserve left + topped up is the reserve", () => {
    let topUps = 0;
    let liquidations = 0;
    fc.assert(
      fc.property(
        // mark moves in ticks (fast-check's doubles crowd near 0: the paths would barely move)
        fc.array(fc.integer({ min: -4, max: 3 }), { minLength: 10, maxLength: 60 }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.integer({ min: 0, max: 3000 }),
        fc.constantFrom<"frozen" | "free">("frozen", "free"),
        (path, below, gap, reserve, whileLiquidating) => {
          const to = below + gap;
          const { venue, maker, account, trader, view } = setup({ marginTopUp: { below, to, reserve } });
          for (let p = 99; p >= 40; p--)
            venue.submit({ account: maker, instrument: 0, side: BUY, quantity: 50, type: "limit", price: p });
          const engine = new LiquidationEngine({
            venue,
            loop: new RunLoop({ rng: Rng.fromSeed(1) }),
            policy: presets.stepwise({
              minNotional: 1000,
              cooldownTicks: 3,
              backstop: null,
              whileLiquidating,
            }),
            rng: Rng.fromSeed(2),
          });
          let mark = 100;
          path.forEach((dx, k) => {
            const t = k + 1;
            mark = Math.max(50, Math.min(150, mark + dx));
            markX(venue, mark, t);
            const eq = venue.equity(account);
            const mm = venue.maintenanceRequirement(account);
            const left = trader.reserveLeft;
            const before = view.deposited;
            trader.act(t);
            const d = view.deposited - before;
            if (d > 0) {
              expect(eq / mm).toBeLessThan(below);
              // the least amount reaching `to`, unless the reserve ran out first
              if (d < left) {
                expect((eq + d) / mm).toBeGreaterThanOrEqual(to);
                if (d > 1) expect((eq + d - 1) / mm).toBeLessThan(to);
              } else expect(d).toBe(left);
            } else if (left > 0 && mm > 0) expect(eq / mm).toBeGreaterThanOrEqual(below);
            engine.check(t);
            expect(trader.reserveLeft).toBeGreaterThanOrEqual(0);
            expect(trader.reserveLeft + trader.toppedUp).toBe(reserve);
            expect(view.deposited).toBe(trader.toppedUp);
            expect(Number.isInteger(venue.cash(account))).toBe(true);
            expect(conserved(venue)).toBe(true);
          });
          topUps += trader.topUps;
          liquidations += engine.records.length;
        },
      ),
      { numRuns: 100, seed: 25 },
    );
    // the paths reach both: top-ups, and liquidations they did not prevent
    expect(topUps).toBeGreaterThan(50);
    expect(liquidations).toBeGreaterThan(20);
  });
});

describe("marginTopUp validation", () => {
  const spec = (marginTopUp: unknown) =>
    validatePopulationSpec("populations.4", {
      kind: "leveraged",
      count: 1,
      leverage: 5,
      capital: 1e4,
      marginTopUp,
    });

  test("accepts constants and distributions drawn per agent", () => {
    expect(spec({ below: 1.2, to: 1.5, reserve: 5000 }).kind).toBe("leveraged");
    expect(
      spec({
        below: { dist: "uniform", min: 1.1, max: 1.3 },
        to: { dist: "uniform", min: 1.4, max: 2 },
        reserveOfCapital: { dist: "uniform", min: 0, max: 1 },
      }).kind,
    ).toBe("leveraged");
  });

  test("bad values name the field, the value and what is allowed, with did-you-mean", () => {
    const typo = err(() => spec({ belwo: 1.2, to: 1.5, reserve: 1 }));
    expect(typo.field).toBe("populations.4.marginTopUp.belwo");
    expect(typo.message).toContain('did you mean "below"?');
    const top = err(() =>
      validatePopulationSpec("p", { kind: "leveraged", count: 1, leverage: 5, capital: 1, marginTopup: {} }),
    );
    expect(top.field).toBe("p.marginTopup");
    expect(top.message).toContain('did you mean "marginTopUp"?');
    // only leveraged traders have a margin to top up
    expect(err(() => validatePopulationSpec("p", { kind: "noise", count: 1, marginTopUp: {} })).field).toBe(
      "p.marginTopUp",
    );
    const notObject = err(() => spec(1.2));
    expect(notObject.field).toBe("populations.4.marginTopUp");
    expect(notObject.message).toContain("an object { below, to, reserve or reserveOfCapital }");
    expect(err(() => spec({ to: 1.5, reserve: 1 })).field).toBe("populations.4.marginTopUp.below");
    const zero = err(() => spec({ below: 0, to: 1.5, reserve: 1 }));
    expect(zero.field).toBe("populations.4.marginTopUp.below");
    expect(zero.value).toBe(0);
    const order = err(() => spec({ below: 1.5, to: 1.5, reserve: 1 }));
    expect(order.field).toBe("populations.4.marginTopUp.to");
    expect(order.message).toContain("a margin ratio above below = 1.5");
    const overlap = err(() => spec({ below: { dist: "uniform", min: 1, max: 1.6 }, to: 1.5, reserve: 1 }));
    expect(overlap.field).toBe("populations.4.marginTopUp.to");
    expect(overlap.message).toContain("below reaches 1.6, to starts at 1.5");
    const none = err(() => spec({ below: 1.2, to: 1.5 }));
    expect(none.field).toBe("populations.4.marginTopUp.reserve");
    expect(none.code).toBe("MISSING_FIELD");
    const both = err(() => spec({ below: 1.2, to: 1.5, reserve: 1, reserveOfCapital: 0.5 }));
    expect(both.field).toBe("populations.4.marginTopUp.reserveOfCapital");
    const negative = err(() => spec({ below: 1.2, to: 1.5, reserve: -5 }));
    expect(negative.field).toBe("populations.4.marginTopUp.reserve");
    expect(negative.value).toBe(-5);
    expect(negative.message).toContain("allowed:");
  });

  test("a population without marginTopUp draws the same agents (its own stream)", () => {
    const weights = (over: Partial<LeveragedParams>) =>
      Array.from(setup({ leverage: { dist: "uniform", min: 2, max: 9 }, ...over }, 7).trader.p.weights);
    const a = setup({ leverage: { dist: "uniform", min: 2, max: 9 } }, 7).trader;
    const b = setup(
      {
        leverage: { dist: "uniform", min: 2, max: 9 },
        marginTopUp: { below: { dist: "uniform", min: 1, max: 1.2 }, to: 1.5, reserve: 100 },
      },
      7,
    ).trader;
    expect(b.p.leverage).toBe(a.p.leverage);
    expect(weights({ marginTopUp: { below: 1.2, to: 1.5, reserve: 100 } })).toEqual(weights({}));
    expect(b.p.topUp?.below).toBeGreaterThanOrEqual(1);
    expect(b.p.topUp?.below).toBeLessThanOrEqual(1.2);
  });
});
