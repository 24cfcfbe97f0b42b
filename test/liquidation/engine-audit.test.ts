/**
 * Engine paths outside the backstop vault found wrong in an audit: each unit test fails on the code
 * before its fix (two instruments X 100 and Y 50, oracle marks, default margins: 10% initial, 5%
 * maintenance, no fees); the property at the end mixes execution styles, loss modes, empty books
 * and margin-called accounts that keep trading.
 */
import { CascadeError } from "@cascade/core";
import { type PolicySpec, penaltyAmount, presets } from "@cascade/liquidation";
import { BUY, SELL } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  bid,
  conserved,
  engineFor,
  maker,
  open,
  setMarks,
  tieredXYVenue,
  twoAssetVenue,
  walkPath,
} from "./helpers.js";

describe("ADL against an account whose lots are in its own liquidation auction", () => {
  test("takes only the counterparty's unreserved lots: the auctioned short stays whole", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    // S: short 10 X (gains as X falls) but long 40 Y (loses more): liquidated by auction
    const S = v.openAccount("S");
    v.deposit(S, 400);
    open(v, S, mk, 0, -10, 100);
    open(v, S, mk, 1, 40, 50);
    // T: short 10 X, healthy
    const T = v.openAccount("T");
    v.deposit(T, 200);
    open(v, T, mk, 0, -10, 100);
    // L: long 10 X on 100 of margin: bankrupt at 85
    const L = v.openAccount("L");
    v.deposit(L, 100);
    open(v, L, mk, 0, 10, 100);
    const e = engineFor(v, presets.dutchAuction({ whenFundEmpty: "adl", durationTicks: 5 }));
    setMarks(v, [85, 38]);
    v.advance(1);
    e.check(1); // S (lower id) opens its auctions first, then L is deleveraged
    expect(e.records.filter((r) => r.account === S)).toEqual([]);
    expect(v.openAuctions().filter((au) => au.seller === S && au.instrument === 0)).toHaveLength(1);
    // S ranks first (higher leverage), but its 10 X are held by its BUY auction
    expect(v.position(S, 0)).toBe(-10);
    expect(v.reserved(S, 0)).toBe(10);
    expect(v.reducibleQuantity(S, 0, BUY)).toBe(0);
    // the lots went to T, the next profitable short
    expect(v.position(T, 0)).toBe(0);
    expect(v.position(L, 0)).toBe(0);
    const adl = e.records.filter((r) => r.execution === "adl");
    expect(adl.map((r) => [r.account, r.quantity, r.price])).toEqual([[L, 10, 85]]);
    expect(conserved(v)).toBe(true);
  });
});

// Accounts that trade while liquidated: "free" (a frozen one's own sale would be refused).
describe("a healthy account that sells into a thin book and ends flat in debt", () => {
  test("its deficit is booked once, as bad debt outside any cascade", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 500);
    open(v, a, mk, 0, 10, 100); // cash -500, equity 500 >> maintenance 50: never margin-called
    const e = engineFor(v, presets.fullClose({ insuranceFund: 30, whileLiquidating: "free" }));
    setMarks(v, [100, 50]);
    v.advance(1);
    e.check(1);
    // the only bid is at 40: its own sale leaves it flat, 100 short
    bid(v, mk, 0, 10, 40);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "market", reduceOnly: true });
    expect(v.cash(a)).toBe(-100);
    for (let t = 2; t <= 4; t++) {
      v.advance(t);
      e.check(t);
    }
    const s = e.stats();
    expect(s.marginCalls).toBe(0);
    expect([s.badDebt, s.insuranceDraw, s.unrecoveredDebt]).toEqual([100, 30, 70]);
    expect([s.cascades, s.maxGeneration, s.longestCascadeTicks]).toEqual([0, 0, 0]);
    expect(
      e.records.map((r) => [r.account, r.quantity, r.badDebt, r.cause, r.cascadeId, r.generation]),
    ).toEqual([[a, 0, 100, -1, -1, 0]]);
    expect(conserved(v)).toBe(true);
  });

  test("a socialised part of it is outside any cascade too; a real cascade is still counted", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 500);
    open(v, a, mk, 0, 10, 100);
    // L: long 10 X on 100 of margin, margin-called at X 94
    const L = v.openAccount("L");
    v.deposit(L, 100);
    open(v, L, mk, 0, 10, 100);
    const e = engineFor(v, presets.fullClose({ whenFundEmpty: "socialize", whileLiquidating: "free" }));
    bid(v, mk, 0, 10, 40);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "market", reduceOnly: true });
    bid(v, mk, 0, 10, 93);
    setMarks(v, [94, 50]);
    v.advance(1);
    e.check(1);
    const s = e.stats();
    expect(s.marginCalls).toBe(1);
    expect(s.cascades).toBe(1);
    expect(s.maxGeneration).toBe(1);
    const ofA = e.records.filter((r) => r.account === a);
    expect(ofA.map((r) => [r.execution, r.badDebt, r.cascadeId, r.generation])).toEqual([
      ["marketSweep", 0, -1, 0],
      ["socialized", 100, -1, 0],
    ]);
    const ofL = e.records.filter((r) => r.account === L);
    expect(ofL.map((r) => [r.quantity, r.cascadeId, r.generation])).toEqual([[10, ofL[0].id, 1]]);
    expect(s.badDebt).toBe(100);
    expect(conserved(v)).toBe(true);
  });
});

describe("a margin-called account that closes its own positions into a deficit", () => {
  test("its deficit goes down the waterfall (here the insurance fund), on a settlement record", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 100);
    open(v, a, mk, 0, 10, 100); // cash -900
    const e = engineFor(v, presets.fullClose({ insuranceFund: 500, whileLiquidating: "free" }));
    setMarks(v, [94, 50]); // equity 40 < maintenance 47
    bid(v, mk, 0, 10, 80); // the only bid, below the sweep's 5% bound
    v.advance(1);
    e.check(1);
    expect(e.stats().marginCalls).toBe(1);
    expect(e.records).toEqual([]); // nothing filled within the bound
    // the account's own market order sells at 80: flat, 100 short of its debt
    v.advance(2);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "market", reduceOnly: true });
    expect(v.position(a, 0)).toBe(0);
    expect(v.cash(a)).toBe(-100);
    e.check(2);
    const s = e.stats();
    expect(s.badDebt).toBe(100);
    expect(s.insuranceDraw).toBe(100);
    expect(s.unrecoveredDebt).toBe(0);
    expect(v.cash(a)).toBe(0);
    expect(v.cash(e.insuranceFund)).toBe(400);
    expect(s.liquidations).toBe(0); // a settlement record is not a liquidation trade
    expect(e.records.map((r) => [r.account, r.instrument, r.quantity, r.badDebt, r.execution])).toEqual([
      [a, -1, 0, 100, "marketSweep"],
    ]);
    // booked once: later checks find it flat at 0 and leave it
    v.advance(3);
    e.check(3);
    expect(e.stats().badDebt).toBe(100);
    expect(conserved(v)).toBe(true);
  });

  test("what the fund cannot cover stays its negative cash, booked once as unrecovered debt", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 100);
    open(v, a, mk, 0, 10, 100);
    const e = engineFor(v, presets.fullClose({ insuranceFund: 30, whileLiquidating: "free" }));
    setMarks(v, [94, 50]);
    bid(v, mk, 0, 10, 80);
    v.advance(1);
    e.check(1);
    v.advance(2);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "market", reduceOnly: true });
    e.check(2);
    // the fund's transfer marks the account for a recheck at 3: flat, 70 short, nothing more booked
    v.advance(3);
    e.check(3);
    const s = e.stats();
    expect([s.badDebt, s.insuranceDraw, s.unrecoveredDebt]).toEqual([100, 30, 70]);
    expect(v.cash(a)).toBe(-70);
    expect(e.records.reduce((x, r) => x + r.badDebt, 0)).toBe(100);
  });

  test("a deficit the engine's own sweep left is not booked again when the account is rechecked", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 100);
    open(v, a, mk, 0, 10, 100);
    const e = engineFor(v, presets.fullClose({ insuranceFund: 10, penaltyRate: 0 }));
    setMarks(v, [91, 50]); // equity 10 < maintenance 45.5
    bid(v, mk, 0, 10, 87); // within the 5% bound: sold at 87, 30 short
    v.advance(1);
    e.check(1);
    expect(v.position(a, 0)).toBe(0);
    // the fund's transfer marks the account for a recheck at 2
    v.advance(2);
    e.check(2);
    const s = e.stats();
    expect([s.badDebt, s.insuranceDraw, s.unrecoveredDebt]).toEqual([30, 10, 20]);
    expect(v.cash(a)).toBe(-20);
  });
});

/**
 * X (100, tiered above 2,000 notional) and Y (50, contract value 3); oracle marks; a margin-exempt
 * maker with `depth` lots every 3 (X) or 2 (Y) ticks; Y's book may lack bids, asks or both.
 */
function world(positions: Array<[number, number, number]>, depth: number, emptyY: number, fees: boolean) {
  const venue = tieredXYVenue(fees);
  const mk = venue.openAccount("maker", { marginExempt: true });
  venue.deposit(mk, 1e12);
  const traders: number[] = [];
  for (const [qx, qy, m] of positions) {
    const a = venue.openAccount("trader");
    venue.deposit(a, Math.ceil((Math.abs(qx) * 100 + Math.abs(qy) * 150) * m) + 10);
    for (const [i, q, p] of [
      [0, qx, 100],
      [1, qy, 50],
    ] as const) {
      if (q === 0) continue;
      const side = q > 0 ? SELL : BUY;
      venue.submit({ account: mk, instrument: i, side, quantity: Math.abs(q), type: "limit", price: p });
      venue.submit({
        account: a,
        instrument: i,
        side: q > 0 ? BUY : SELL,
        quantity: Math.abs(q),
        type: "market",
      });
    }
    traders.push(a);
  }
  const ladder = (i: number, side: 1 | -1, from: number, to: number, step: number) => {
    for (let p = from; p <= to; p += step)
      venue.submit({ account: mk, instrument: i, side, quantity: depth, type: "limit", price: p });
  };
  ladder(0, BUY, 1, 99, 3);
  ladder(0, SELL, 101, 400, 3);
  if (emptyY === 0 || emptyY === 2) ladder(1, BUY, 1, 49, 2);
  if (emptyY === 0 || emptyY === 1) ladder(1, SELL, 51, 200, 2);
  return { venue, traders, maker: mk };
}

const policies: Array<() => PolicySpec> = [
  () => presets.fullClose({ insuranceFund: 300, whenFundEmpty: "socialize" }),
  () => presets.fullClose({ insuranceFund: 100, whenFundEmpty: "adl", ordering: "mostLiquid" }),
  () => presets.closeFactor({ whenFundEmpty: "adl" }),
  () =>
    presets.closeFactor({ ordering: "proRata", execution: { kind: "sliced", slices: 3, maxSlippage: 0.05 } }),
  () => presets.restoreToTarget({ whenFundEmpty: "socialize" }),
  () => presets.stepwise({ minNotional: 1000, cooldownTicks: 2, backstop: null }),
  () => presets.tieredPartial({ execution: { kind: "sliced", slices: 2, maxSlippage: 0.1 } }),
  () =>
    presets.fullClose({ execution: { kind: "sliced", slices: 3, maxSlippage: 0.05 }, whenFundEmpty: "adl" }),
  () => presets.dutchAuction({ durationTicks: 3, whenFundEmpty: "socialize" }),
  () => presets.dutchAuction({ durationTicks: 4, whenFundEmpty: "adl", insuranceFund: 50 }),
  () =>
    presets.closeFactor({
      execution: {
        kind: "dutchAuction",
        startPremium: 0.1,
        decayPerTick: 0.05,
        durationTicks: 3,
        floorDiscount: 0.5,
      },
      penalty: { rate: 0.05, to: "liquidator" },
    }),
  () =>
    presets.fullClose({
      penalty: { rate: 0.3, to: "liquidator" },
      ordering: "worstPnl",
      trigger: { kind: "healthFactor", below: 1.05 },
    }),
];

const lots = fc.integer({ min: -40, max: 40 });

describe("properties over execution styles, loss modes, empty books and accounts that keep trading", () => {
  test("conservation, the loss waterfall, record sums, penalty caps, reserved lots and every margin-called deficit booked", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(lots, lots, fc.double({ min: 0.25, max: 0.5, noNaN: true })), {
          minLength: 2,
          maxLength: 10,
        }),
        fc.array(
          fc.tuple(
            fc.double({ min: -0.3, max: 0.3, noNaN: true }),
            fc.double({ min: -0.3, max: 0.3, noNaN: true }),
          ),
          { minLength: 1, maxLength: 10 },
        ),
        fc.integer({ min: 0, max: policies.length - 1 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
        fc.constantFrom("frozen", "free") as fc.Arbitrary<"frozen" | "free">,
        (positions, path, pi, depth, emptyY, fees, acts, whileLiquidating) => {
          const w = world(positions, depth, emptyY, fees);
          const v = w.venue;
          const policy = { ...policies[pi](), whileLiquidating };
          const engine = engineFor(v, policy);
          let called: number[] = [];
          engine.marginCalls$.subscribe((c) => called.push(c.account));
          walkPath(v, path, (t) => {
            // a keeper takes 1-3 lots of every open auction
            for (const au of [...v.openAuctions()])
              v.takeAuction(au.id, w.maker, 1 + (t % 3), au.side === SELL ? 1e9 : 0);
            // accounts margin-called at the last check keep trading: resting orders (plain and
            // reduce-only) and market orders that close their own positions
            for (let k = 0; k < called.length; k++) {
              const a = called[k];
              const x = acts[t - 1] + 7919 * k;
              const what = x % 4;
              const i = Math.floor(x / 4) % 2;
              const q = v.position(a, i);
              const price = Math.max(1, Math.round(v.mark(i) * (Math.floor(x / 8) % 2 ? 0.97 : 1.03)));
              const side = Math.floor(x / 8) % 2 ? BUY : SELL;
              const n = 1 + (Math.floor(x / 16) % 5);
              const frozen = v.isFrozen(a);
              expect(frozen && whileLiquidating === "free").toBe(false);
              const before = [v.position(a, 0), v.position(a, 1), v.cash(a), v.openOrders(a).length];
              try {
                if (what === 0)
                  v.submit({ account: a, instrument: i, side, quantity: n, type: "limit", price });
                else if (what === 1 && q !== 0)
                  v.submit({
                    account: a,
                    instrument: i,
                    side: q > 0 ? SELL : BUY,
                    quantity: n,
                    type: "limit",
                    price,
                    reduceOnly: true,
                  });
                else if (what === 2)
                  // the whole portfolio, at any price
                  for (let j = 0; j < 2; j++) {
                    const p = v.position(a, j);
                    if (p !== 0)
                      v.submit({
                        account: a,
                        instrument: j,
                        side: p > 0 ? SELL : BUY,
                        quantity: Math.abs(p),
                        type: "market",
                        reduceOnly: true,
                      });
                  }
                else if (what === 3) v.cancelAll(a);
                // frozen (in liquidation): nothing but cancels goes through
                if (frozen && what !== 3 && !(what === 1 && q === 0))
                  expect([v.position(a, 0), v.position(a, 1), v.cash(a), v.openOrders(a).length]).toEqual(
                    before,
                  );
              } catch (err) {
                // refused by the venue's margin or reduce-only rules: the account simply does not trade
                if (!(err instanceof CascadeError)) throw err;
                if (frozen) expect(err.code).toBe("ACCOUNT_IN_LIQUIDATION");
              }
            }
            called = [];
            engine.check(t);
            // frozen accounts hold no resting order (cancelled when frozen, none accepted since)
            for (const a of w.traders) if (v.isFrozen(a)) expect(v.openOrders(a)).toEqual([]);
            expect(v.totalCash()).toBe(v.totalDeposits);
            expect(v.totalPosition(0)).toBe(0);
            expect(v.totalPosition(1)).toBe(0);
            expect(v.cash(engine.insuranceFund)).toBeGreaterThanOrEqual(0);
            const s = engine.stats();
            expect(
              s.insuranceDraw + s.adlCovered + s.socializedLoss + s.unrecoveredDebt + s.backstopAbsorbed,
            ).toBe(s.badDebt);
            expect(engine.records.reduce((x, r) => x + r.badDebt, 0)).toBe(s.badDebt);
            expect(engine.records.reduce((x, r) => x + r.penalty, 0)).toBe(s.penalties);
            expect(engine.records.filter((r) => r.quantity > 0).length).toBe(s.liquidations);
            for (const r of engine.records) {
              if (r.quantity === 0) expect(r.notional).toBe(0);
              if (r.execution === "socialized") expect(r.instrument).toBe(-1);
              if (r.tick === t && r.quantity > 0)
                expect(r.penalty).toBeLessThanOrEqual(Math.floor(policy.penalty.rate * r.notional + 1e-9));
            }
            // the deficit of every flat trader (all were margin-called before they could trade) is
            // booked: what nobody covered is exactly the negative cash left
            let left = 0;
            for (const a of w.traders) {
              for (let i = 0; i < 2; i++)
                expect(v.reserved(a, i)).toBeLessThanOrEqual(Math.abs(v.position(a, i)));
              if (v.position(a, 0) === 0 && v.position(a, 1) === 0) left += Math.max(0, -v.cash(a));
            }
            expect(left).toBe(s.unrecoveredDebt);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("one tick's liquidations (README: order of accounts, resting orders)", () => {
  test("accounts are liquidated in ascending id, each against the book the one before it left", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const lo = v.openAccount("lo");
    const hi = v.openAccount("hi");
    v.deposit(lo, 100);
    v.deposit(hi, 100);
    const e = engineFor(v, presets.fullClose({ penaltyRate: 0 }));
    // hi trades first, so it is marked for the check before lo
    open(v, hi, mk, 0, 10, 100);
    open(v, lo, mk, 0, 10, 100);
    setMarks(v, [94, 50]); // both: equity 40 < maintenance 47
    bid(v, mk, 0, 10, 93);
    bid(v, mk, 0, 10, 92);
    v.advance(1);
    e.check(1);
    expect(e.records.map((r) => [r.account, r.quantity, r.price])).toEqual([
      [lo, 10, 93],
      [hi, 10, 92],
    ]);
  });

  test("a step first cancels the account's resting orders, reduce-only ones included", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 200);
    open(v, a, mk, 0, 10, 100); // cash -800
    bid(v, a, 0, 1, 90); // its own bid, above the maker's
    bid(v, a, 1, 1, 40); // and one in Y, which the sweep of X never meets
    v.submit({
      account: a,
      instrument: 0,
      side: SELL,
      quantity: 5,
      type: "limit",
      price: 110,
      reduceOnly: true,
    });
    expect(v.openOrders(a)).toHaveLength(3);
    const e = engineFor(v, presets.fullClose({ penaltyRate: 0 }));
    setMarks(v, [84, 50]); // equity 40 < maintenance 42
    bid(v, mk, 0, 10, 83);
    v.advance(1);
    e.check(1);
    expect(v.openOrders(a)).toEqual([]);
    expect(e.records.map((r) => [r.account, r.quantity, r.price])).toEqual([[a, 10, 83]]);
    expect(v.position(a, 0)).toBe(0);
    expect(conserved(v)).toBe(true);
  });
});

describe("penaltyAmount: floor(rate x closed notional), exactly", () => {
  test("for rates of up to 4 decimals and notionals up to 1e10 it is the exact integer floor", () => {
    // 0.7 x 45,672,200 is 31,970,539.999999996 in floating point: the floor was one unit short
    expect(penaltyAmount(0.7, 45_672_200, 1e12)).toBe(31_970_540);
    expect(penaltyAmount(0.29, 220_421_900, 1e12)).toBe(63_922_351);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 1e10 }), (k, n) => {
        const exact = Number((BigInt(k) * BigInt(n)) / 10_000n);
        expect(penaltyAmount(k / 10_000, n, 1e12)).toBe(exact);
      }),
      { numRuns: 20_000 },
    );
  });
});
