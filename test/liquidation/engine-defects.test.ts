/**
 * Liquidation-engine defects left by earlier audits: each test fails on the code before its fix
 * (two instruments X 100 and Y 50, oracle marks, default margins: 10% initial, 5% maintenance, no
 * fees, unless a test says otherwise).
 */
import {
  type AmountSpec,
  amountPlan,
  type Holding,
  type LiquidationRecord,
  type PolicySpec,
  presets,
} from "@cascade/liquidation";
import { BUY, SELL, type Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ceilMulDiv } from "../../packages/liquidation/src/policy.js";
import {
  bid,
  conserved,
  engineFor,
  maker,
  open,
  setMarks,
  standardAccount,
  twoAssetVenue,
  walkPath,
} from "./helpers.js";

describe("closeFactor along largestNotional when the largest position's book has no bid", () => {
  /** Long 10 X and 4 Y on 120 of margin; at X 94, Y 48: HF 0.996 (a 50% step), equity 52 < 56.6. */
  function account() {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 120);
    open(v, a, mk, 0, 10, 100);
    open(v, a, mk, 1, 4, 50);
    setMarks(v, [94, 48]);
    return { v, mk, a };
  }

  test("the step sells the position the book can take instead of stalling on the other", () => {
    const { v, mk, a } = account();
    expect(v.healthFactor(a)).toBeGreaterThan(0.95);
    expect(v.healthFactor(a)).toBeLessThan(1);
    bid(v, mk, 1, 10, 48); // Y has bids; X none at all
    const e = engineFor(v, presets.closeFactor());
    for (let t = 1; t <= 3; t++) {
      v.advance(t);
      e.check(t);
    }
    // budget 50% x 1,132 = 566: Y's 4 lots (192) first, the rest (374) to X, which sells nothing.
    // Before: X took 6 lots of the budget (564), Y none, and nothing sold tick after tick.
    expect(e.records.map((r) => [r.tick, r.instrument, r.side, r.quantity, r.price])).toEqual([
      [1, 1, SELL, 4, 48],
    ]);
    expect(v.position(a, 1)).toBe(0);
    expect(v.position(a, 0)).toBe(10);
    expect(e.stats().marginCalls).toBe(3);
    expect(conserved(v)).toBe(true);
  });

  test("with both books able to take lots, the budget still goes largest first", () => {
    const { v, mk, a } = account();
    bid(v, mk, 0, 10, 94);
    bid(v, mk, 1, 10, 48);
    const e = engineFor(v, presets.closeFactor());
    v.advance(1);
    e.check(1);
    expect(e.records.map((r) => [r.instrument, r.quantity])).toEqual([[0, 6]]);
    expect(v.position(a, 1)).toBe(4);
  });

  test("one lot within the bound draws the budget for that lot only; the rest waits for what is left", () => {
    const { v, mk, a } = account();
    bid(v, mk, 0, 1, 94); // one X lot within the bound
    bid(v, mk, 1, 10, 48);
    const e = engineFor(v, presets.closeFactor());
    v.advance(1);
    e.check(1);
    // budget 566: X's 1 lot (94), Y's 4 lots (192), then 2 more X lots (188) with what is left;
    // before, X took 6 lots of the budget on its best bid alone and only 1 X lot was sold
    expect(e.records.map((r) => [r.instrument, r.quantity, r.price])).toEqual([
      [0, 1, 94],
      [1, 4, 48],
    ]);
    const plan = amountPlan(
      { kind: "closeFactor", fraction: 0.5 },
      {
        venue: v,
        account: a,
        holdings: holdingsByNotional(v, a),
        equity: v.equity(a),
        maintenance: v.maintenanceRequirement(a),
        ordering: "largestNotional",
        penaltyRate: 0,
        maxSlippage: 0.05,
        feeRate: 0,
        onBook: true,
      },
    );
    // after the step: 9 X at 94 (846), no bid left within the bound: the budget along the ordering
    expect(plan).toEqual([{ instrument: 0, side: SELL, quantity: 4 }]);
    expect(conserved(v)).toBe(true);
  });

  test("a bid below the slippage bound counts as none; with no book to sell to, the plan is unchanged", () => {
    const { v, mk } = account();
    bid(v, mk, 0, 10, 80); // below 94 x 0.95
    bid(v, mk, 1, 10, 48);
    const e = engineFor(v, presets.closeFactor());
    v.advance(1);
    e.check(1);
    expect(e.records.map((r) => [r.instrument, r.quantity])).toEqual([[1, 4]]);
    // the dust lot goes to a position the book can take too
    const plan = (v2: Venue, acct: number) =>
      amountPlan(
        { kind: "closeFactor", fraction: 0.001 },
        {
          venue: v2,
          account: acct,
          holdings: holdingsByNotional(v2, acct),
          equity: v2.equity(acct),
          maintenance: v2.maintenanceRequirement(acct),
          ordering: "largestNotional",
          penaltyRate: 0,
          maxSlippage: 0.05,
          feeRate: 0,
          onBook: true,
        },
      );
    const w = account();
    bid(w.v, w.mk, 1, 10, 48);
    expect(plan(w.v, w.a)).toEqual([{ instrument: 1, side: SELL, quantity: 1 }]);
    const none = account(); // no bids anywhere: the budget along the ordering, as before
    expect(plan(none.v, none.a)).toEqual([{ instrument: 0, side: SELL, quantity: 1 }]);
  });
});

/** The account's holdings, largest notional first (what orderHoldings gives for largestNotional). */
function holdingsByNotional(v: Venue, a: number): Holding[] {
  const out: Holding[] = [];
  for (let i = 0; i < v.instruments.length; i++) {
    const q = v.position(a, i);
    if (q === 0) continue;
    const mark = v.mark(i);
    out.push({ instrument: i, q, mark, cv: 1, notional: Math.abs(q) * mark, rate: 0.05, amount: 0 });
  }
  return out.sort((x, y) => y.notional - x.notional);
}

describe("lot counts of the amount rules are exact above 1e7 lots", () => {
  // 0.7 x 45,672,200 = 31,970,539.999999996 in doubles: a fixed +1e-9 left it one lot short
  const q = 45_672_200;
  const h: Holding = { instrument: 0, q, mark: 1, cv: 1, notional: q, rate: 0.05, amount: 0 };
  const v = twoAssetVenue({}, [{ symbol: "X", initialPrice: 1, maxPrice: 10 }]);
  const ctx = (onBook: boolean) => ({
    venue: v,
    account: 0,
    holdings: [h],
    equity: 0,
    maintenance: 1,
    penaltyRate: 0,
    maxSlippage: 1,
    feeRate: 0,
    onBook,
  });
  const lots = (spec: AmountSpec, ordering: "largestNotional" | "proRata") =>
    amountPlan(spec, { ...ctx(false), ordering }).map((it) => it.quantity);

  test("stepwise: floor(0.7 x 45,672,200) = 31,970,540", () => {
    expect(
      lots({ kind: "stepwise", fraction: 0.7, cooldownTicks: 0, minNotional: 0 }, "largestNotional"),
    ).toEqual([31_970_540]);
  });

  test("closeFactor, pro rata and along the ordering: 31,970,540", () => {
    expect(lots({ kind: "closeFactor", fraction: 0.7 }, "proRata")).toEqual([31_970_540]);
    expect(lots({ kind: "closeFactor", fraction: 0.7 }, "largestNotional")).toEqual([31_970_540]);
  });

  test("restoreToTarget pro rata: ceil(j x |q| / N) exactly, past 1e9 lots and past 2^53", () => {
    // (N - 1)^2 / N = N - 2 + 1/N: with N = 2e9 the old ceil(x - 1e-9) gave N - 2
    const n = 2_000_000_000;
    expect(Math.ceil(((n - 1) * (n - 1)) / n - 1e-9)).toBe(n - 2);
    expect(ceilMulDiv(n - 1, n - 1, n)).toBe(n - 1);
    expect(ceilMulDiv(n, n - 1, n)).toBe(n - 1);
    expect(ceilMulDiv(3, 10, 4)).toBe(8);
    expect(ceilMulDiv(0, 10, 4)).toBe(0);
  });
});

describe("a bounded vault taking over at the mark counts the penalty the takeover pays it", () => {
  /** The standard account at X 85, Y 46: equity 70 < maintenance 0.05 x 1,770 = 88.5. */
  function underwater(capital: number, to: "liquidator" | "insuranceFund") {
    const v = twoAssetVenue();
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const a = standardAccount(v, mk);
    const e = engineFor(v, presets.backstopVault({ price: "mark", capital, penalty: { rate: 0.02, to } }));
    setMarks(v, [85, 46]);
    bid(v, mk, 0, 10, 84);
    bid(v, mk, 1, 20, 45);
    v.advance(1);
    e.check(1);
    return { v, a, e, vault: e.backstopVault as number };
  }

  test("54 + the 35 it collects (2% of 850 and of 920) covers 88.5: taken; before, declined", () => {
    const { v, a, e, vault } = underwater(54, "liquidator");
    expect(e.records.map((r) => [r.execution, r.penalty])).toEqual([
      ["backstop", 18],
      ["backstop", 17],
    ]);
    expect(e.stats().backstopDeclined).toBe(0);
    // what the check promised: the vault's equity after the step covers its maintenance
    expect(v.equity(vault)).toBe(89);
    expect(v.maintenanceRequirement(vault)).toBe(88.5);
    expect(v.cash(a)).toBe(35);
    expect(conserved(v)).toBe(true);
  });

  test("53 + 35 < 88.5 declines; a penalty to the insurance fund is not the vault's", () => {
    expect(underwater(53, "liquidator").e.stats().backstopDeclined).toBe(1);
    expect(underwater(54, "insuranceFund").e.stats().backstopDeclined).toBe(1);
    expect(underwater(89, "insuranceFund").e.stats().backstopDeclined).toBe(0);
  });
});

describe("an account that trades itself into debt without ever being margin-called", () => {
  /** A: 100 of margin, long 10 X @100 (cash -900), healthy at the mark; the only bid is at 80. */
  function selfInflicted(insuranceFund: number) {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 100);
    open(v, a, mk, 0, 10, 100);
    const e = engineFor(v, presets.fullClose({ insuranceFund }));
    bid(v, mk, 0, 10, 80);
    v.advance(1);
    e.check(1); // equity 100 >= maintenance 50: no margin call
    // its own reduce-only sell (the venue never refuses a close) fills at 80: flat, 100 in debt
    v.advance(2);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "market", reduceOnly: true });
    expect([v.position(a, 0), v.cash(a)]).toEqual([0, -100]);
    e.check(2);
    return { v, a, e };
  }

  test("its deficit goes down the waterfall once (before: never booked, stats.badDebt 0)", () => {
    const { v, a, e } = selfInflicted(60);
    const s = e.stats();
    expect(s.marginCalls).toBe(0);
    expect([s.badDebt, s.insuranceDraw, s.unrecoveredDebt]).toEqual([100, 60, 40]);
    expect(v.cash(a)).toBe(-40);
    expect(e.records.map((r) => [r.account, r.instrument, r.quantity, r.badDebt])).toEqual([[a, -1, 0, 100]]);
    // the fund's transfer marks it for a recheck: the 40 left is not booked again
    v.advance(3);
    e.check(3);
    expect(e.stats().badDebt).toBe(100);
    expect(e.records.length).toBe(1);
    expect(conserved(v)).toBe(true);
  });

  test("a deposit that pays part of the booked debt is not booked; a later loss only beyond the booked debt", () => {
    const { v, a, e } = selfInflicted(0);
    expect(e.stats().unrecoveredDebt).toBe(100);
    v.deposit(a, 30);
    const mk = maker(v);
    v.transferCash(mk, a, 1, "test: a transfer marks A for a recheck"); // -69: still the old debt
    v.advance(3);
    e.check(3);
    expect(e.stats().badDebt).toBe(100);
    // repaid in full and trading again: a long bought at 100, sold at 60, leaves it 300 in debt; 100
    // of it was booked already (a deficit is booked only beyond the debt booked before), so the
    // booked debt is the 300 it owes, no more
    v.deposit(a, 169); // cash 100
    open(v, a, mk, 0, 10, 100);
    bid(v, mk, 0, 10, 60);
    v.advance(4);
    e.check(4); // holding a position again: equity 100 at the mark
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "market", reduceOnly: true });
    expect(v.cash(a)).toBe(-300);
    v.advance(5);
    e.check(5);
    expect([e.stats().badDebt, e.stats().unrecoveredDebt]).toEqual([300, 300]);
  });
});

describe("property: every flat deficit is booked exactly once, whoever closed the positions", () => {
  const policies: Array<() => PolicySpec> = [
    () => presets.fullClose({ insuranceFund: 200 }),
    () => presets.fullClose({ whenFundEmpty: "socialize" }),
    () => presets.closeFactor({ whenFundEmpty: "adl" }),
    () => presets.closeFactor({ trigger: { kind: "healthFactor", below: 0.5 } }),
    () => presets.stepwise({ minNotional: 500, cooldownTicks: 2, backstopCapital: 100 }),
    () => presets.dutchAuction({ durationTicks: 2, whenFundEmpty: "adl" }),
    () => presets.backstopVault({ price: "mark", capital: 200, penalty: { rate: 0.02, to: "liquidator" } }),
  ];
  const lots = fc.integer({ min: -30, max: 30 });

  test("conservation, the waterfall's sum, and unrecovered debt = the flat traders' negative cash", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(lots, lots, fc.double({ min: 0.12, max: 0.5, noNaN: true })), {
          minLength: 2,
          maxLength: 8,
        }),
        fc.array(
          fc.tuple(
            fc.double({ min: -0.2, max: 0.2, noNaN: true }),
            fc.double({ min: -0.2, max: 0.2, noNaN: true }),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 0, max: policies.length - 1 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        fc.constantFrom("frozen" as const, "free" as const),
        (positions, path, pi, depth, closers, whileLiquidating) => {
          const v = twoAssetVenue();
          const mk = v.openAccount("maker", { marginExempt: true });
          v.deposit(mk, 1e12);
          const traders: number[] = [];
          for (const [qx, qy, m] of positions) {
            const a = v.openAccount("trader");
            v.deposit(a, Math.ceil((Math.abs(qx) * 100 + Math.abs(qy) * 50) * m) + 10);
            if (qx !== 0) open(v, a, mk, 0, qx, 100);
            if (qy !== 0) open(v, a, mk, 1, qy, 50);
            traders.push(a);
          }
          // thin books far from the marks: closes there end in debt
          for (let p = 5; p < 100; p += 20) bid(v, mk, 0, depth, p);
          for (let p = 120; p < 400; p += 40)
            v.submit({ account: mk, instrument: 0, side: SELL, quantity: depth, type: "limit", price: p });
          for (let p = 3; p < 50; p += 10) bid(v, mk, 1, depth, p);
          for (let p = 60; p < 200; p += 20)
            v.submit({ account: mk, instrument: 1, side: SELL, quantity: depth, type: "limit", price: p });
          const e = engineFor(v, { ...policies[pi](), whileLiquidating });
          walkPath(v, path, (t) => {
            for (const au of [...v.openAuctions()])
              v.takeAuction(au.id, mk, 1 + (t % 2), au.side === SELL ? 1e9 : 0);
            // any trader, margin-called or not (unless frozen), may close its whole portfolio at any price
            const a = traders[closers[t - 1] % traders.length];
            for (let i = 0; i < 2 && !v.isFrozen(a); i++) {
              const q = v.reducibleQuantity(a, i, v.position(a, i) > 0 ? SELL : BUY);
              if (v.position(a, i) !== 0 && q > 0)
                v.submit({
                  account: a,
                  instrument: i,
                  side: v.position(a, i) > 0 ? SELL : BUY,
                  quantity: q,
                  type: "market",
                  reduceOnly: true,
                });
            }
            e.check(t);
            expect(v.totalCash()).toBe(v.totalDeposits);
            expect(v.totalPosition(0)).toBe(0);
            expect(v.totalPosition(1)).toBe(0);
            const s = e.stats();
            expect(
              s.insuranceDraw + s.adlCovered + s.socializedLoss + s.unrecoveredDebt + s.backstopAbsorbed,
            ).toBe(s.badDebt);
            expect(e.records.reduce((x, r) => x + r.badDebt, 0)).toBe(s.badDebt);
            let left = 0;
            for (const a2 of traders)
              if (v.position(a2, 0) === 0 && v.position(a2, 1) === 0) left += Math.max(0, -v.cash(a2));
            expect(left).toBe(s.unrecoveredDebt);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("an auction take's record carries the mark at the take", () => {
  test("taken at tick 2 under mark 91, recorded after the marks moved to 80: mark 91, its slippage against it", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 100);
    open(v, a, mk, 0, 10, 100);
    const e = engineFor(v, presets.dutchAuction({ durationTicks: 5, penaltyRate: 0 }));
    setMarks(v, [91, 50]); // equity 10 < maintenance 45.5: the auction opens, its schedule from tick 2
    v.advance(1);
    e.check(1);
    const [au] = v.openAuctions();
    // a keeper takes 4 lots at the start price, 20% above 91, in tick 2's agents phase
    v.advance(2);
    v.takeAuction(au.id, mk, 4, 1e9);
    setMarks(v, [80, 50]); // tick 2's marks phase, before its liquidation phase records the take
    e.check(2);
    const take = e.records.find((r) => r.execution === "dutchAuction") as LiquidationRecord;
    expect([take.tick, take.quantity, take.price, take.mark]).toEqual([2, 4, 109, 91]); // before: mark 80
    expect(take.slippage).toBeCloseTo((91 - 109) / 91, 12);
  });
});
