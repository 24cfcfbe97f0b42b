import {
  BUY,
  initialMargin,
  maintenanceAmount,
  maintenanceMargin,
  SELL,
  Venue,
  validateMargin,
} from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectCode, snapshot } from "./venue-helpers.js";

// Binary-exact rates so every expected value below is exact.
function twoAssets() {
  const v = new Venue({
    instruments: [
      {
        symbol: "X",
        initialPrice: 100,
        contractValue: 10,
        margin: {
          initial: 0.125,
          maintenance: 0.0625,
          tiers: [{ notionalAbove: 50_000, initial: 0.25, maintenance: 0.125 }],
        },
      },
      { symbol: "Y", initialPrice: 50, margin: { initial: 0.25, maintenance: 0.125 } },
    ],
    mark: { kind: "oracle" },
  });
  const mm = v.openAccount("mm", { marginExempt: true });
  const p = v.openAccount("portfolio");
  v.deposit(mm, 10_000_000);
  v.deposit(p, 20_000);
  return { v, mm, p };
}

describe("cross margin", () => {
  it("hand-computed equity, maintenance and initial with tiers for a two-asset account", () => {
    const { v, mm, p } = twoAssets();
    v.submit({ account: mm, instrument: 0, side: SELL, quantity: 60, type: "limit", price: 100 });
    expect(v.submit({ account: p, instrument: 0, side: BUY, quantity: 60, type: "market" }).filled).toBe(60);
    v.submit({ account: mm, instrument: 1, side: BUY, quantity: 100, type: "limit", price: 50 });
    expect(v.submit({ account: p, instrument: 1, side: SELL, quantity: 100, type: "market" }).filled).toBe(
      100,
    );
    expect(v.cash(p)).toBe(20_000 - 60_000 + 5_000);
    v.setOraclePrice(0, 110);
    v.setOraclePrice(1, 40);
    v.updateMarks();
    // X: 60 * 110 * 10 = 66000 > 50000 -> tier rates 0.25 / 0.125 less the tier's amounts
    // 50000 * (0.25 - 0.125) = 6250 (initial) and 50000 * (0.125 - 0.0625) = 3125 (maintenance);
    // Y: 100 * 40 = 4000 short
    expect(v.notional(p, 0)).toBe(66_000);
    expect(v.equity(p)).toBe(-35_000 + 66_000 - 4_000);
    expect(v.maintenanceRequirement(p)).toBe(66_000 * 0.125 - 3_125 + 4_000 * 0.125);
    expect(v.initialRequirement(p)).toBe(66_000 * 0.25 - 6_250 + 4_000 * 0.25);
    expect(v.marginRatio(p)).toBe(27_000 / 5_625);
    expect(v.freeMargin(p)).toBe(27_000 - 11_250);
    expect(v.healthFactor(p)).toBe((66_000 * (1 - 0.125) + 3_125) / (35_000 + 4_000 * 1.125));
    expect(v.leverage(p)).toBe(70_000 / 27_000);
    expect(v.isLiquidatable(p)).toBe(false);
    expect(v.unrealizedPnl(p, 0)).toBe(6_000);
    expect(v.unrealizedPnl(p, 1)).toBe(1_000);
    // below the tier: 60 * 80 * 10 = 48000 -> base rates 0.125 / 0.0625
    v.setOraclePrice(0, 80);
    v.updateMarks();
    expect(v.equity(p)).toBe(-35_000 + 48_000 - 4_000);
    expect(v.maintenanceRequirement(p)).toBe(48_000 * 0.0625 + 4_000 * 0.125);
    expect(v.initialRequirement(p)).toBe(48_000 * 0.125 + 4_000 * 0.25);
    // no positions: ratio and health are infinite, nothing liquidatable
    const flat = v.openAccount();
    expect(v.marginRatio(flat)).toBe(Number.POSITIVE_INFINITY);
    expect(v.healthFactor(flat)).toBe(Number.POSITIVE_INFINITY);
    expect(v.healthFactorBelow(flat, Number.MAX_VALUE)).toBe(false);
    expect(expectCode(() => v.healthFactorBelow(flat, Number.NaN), "INVALID_ARGUMENT").field).toBe("x");
    expect(expectCode(() => v.healthFactorBelow(99, 1), "UNKNOWN_ACCOUNT").field).toBe("account");
    expect(v.isLiquidatable(flat)).toBe(false);
  });

  it("distanceToLiquidation: a uniform adverse move of that fraction reaches maintenance", () => {
    const v = new Venue({
      instruments: [
        { symbol: "X", initialPrice: 100, contractValue: 10, margin: { initial: 0.2, maintenance: 0.1 } },
        { symbol: "Y", initialPrice: 50, margin: { initial: 0.2, maintenance: 0.1 } },
      ],
      mark: { kind: "oracle" },
    });
    const mm = v.openAccount("mm", { marginExempt: true });
    const p = v.openAccount("p");
    v.deposit(mm, 10_000_000);
    v.deposit(p, 20_000);
    v.submit({ account: mm, instrument: 0, side: SELL, quantity: 60, type: "limit", price: 100 });
    v.submit({ account: p, instrument: 0, side: BUY, quantity: 60, type: "market" });
    v.submit({ account: mm, instrument: 1, side: BUY, quantity: 100, type: "limit", price: 50 });
    v.submit({ account: p, instrument: 1, side: SELL, quantity: 100, type: "market" });
    const f = v.distanceToLiquidation(p);
    // E = 20000, G = 65000, ML = 6000, MS = 500: f = (20000 - 6500) / (65000 - 6000 + 500)
    expect(f).toBe(13_500 / 59_500);
    const move = (g: number) => {
      v.setOraclePrice(0, 100 * (1 - g));
      v.setOraclePrice(1, 50 * (1 + g));
      v.updateMarks();
    };
    move(f * 0.999);
    expect(v.isLiquidatable(p)).toBe(false);
    move(f * 1.001);
    expect(v.isLiquidatable(p)).toBe(true);
    expect(v.distanceToLiquidation(p)).toBe(0);
    expect(v.distanceToLiquidation(v.openAccount())).toBe(Number.POSITIVE_INFINITY);
  });

  it("distanceToLiquidation is conservative when a short crosses into a higher tier", () => {
    const v = new Venue({
      instruments: [
        {
          symbol: "X",
          initialPrice: 100,
          margin: {
            initial: 0.1,
            maintenance: 0.05,
            tiers: [{ notionalAbove: 11_000, initial: 0.5, maintenance: 0.4 }],
          },
        },
      ],
      mark: { kind: "oracle" },
    });
    const mm = v.openAccount("mm", { marginExempt: true });
    const p = v.openAccount("p");
    v.deposit(mm, 10_000_000);
    v.deposit(p, 5_000);
    v.submit({ account: mm, instrument: 0, side: BUY, quantity: 100, type: "limit", price: 100 });
    v.submit({ account: p, instrument: 0, side: SELL, quantity: 100, type: "market" });
    const f = v.distanceToLiquidation(p);
    for (let k = 0; k <= 100; k++) {
      const g = (f * k) / 100;
      v.setOraclePrice(0, 100 * (1 + g * 0.999));
      v.updateMarks();
      expect(v.isLiquidatable(p)).toBe(false);
    }
  });

  it("distanceToLiquidation is conservative when a long falls through lower tiers", () => {
    // 2% to 2,000, 10% to 5,000, 40% above: the long starts at 8,000 and falls through both
    const v = new Venue({
      instruments: [
        {
          symbol: "X",
          initialPrice: 100,
          margin: {
            initial: 0.4,
            maintenance: 0.02,
            tiers: [
              { notionalAbove: 2_000, initial: 0.4, maintenance: 0.1 },
              { notionalAbove: 5_000, initial: 0.4, maintenance: 0.4 },
            ],
          },
        },
      ],
      mark: { kind: "oracle" },
    });
    const mm = v.openAccount("mm", { marginExempt: true });
    const p = v.openAccount("p", { marginExempt: true });
    v.deposit(mm, 10_000_000);
    v.deposit(p, 6_000);
    v.submit({ account: mm, instrument: 0, side: SELL, quantity: 80, type: "limit", price: 100 });
    v.submit({ account: p, instrument: 0, side: BUY, quantity: 80, type: "market" });
    const f = v.distanceToLiquidation(p);
    expect(f).toBeGreaterThan(0.5); // past both boundaries (8,000 x 0.5 = 4,000)
    for (let k = 0; k <= 100; k++) {
      v.setOraclePrice(0, 100 * (1 - ((f * k) / 100) * 0.999));
      v.updateMarks();
      expect(v.isLiquidatable(p)).toBe(false);
    }
  });
});

/**
 * A Binance-style bracket table: floors 0 / 50k / 250k / 3M, maintenance 0.4% / 0.5% / 1% / 2.5%,
 * so maintenance amounts 0 / 50 / 1,300 / 46,300 by amount_k = amount_{k-1} + floor_k x (rate_k - rate_{k-1}).
 */
const BRACKETS = {
  initial: 0.008,
  maintenance: 0.004,
  tiers: [
    { notionalAbove: 50_000, initial: 0.01, maintenance: 0.005 },
    { notionalAbove: 250_000, initial: 0.02, maintenance: 0.01 },
    { notionalAbove: 3_000_000, initial: 0.05, maintenance: 0.025 },
  ],
};

/** Maintenance and initial requirements of one long position of `lots` x 1,000 (cv 1000) at `mark`. */
function requirementsAt(lots: number, mark: number): { maintenance: number; initial: number } {
  const v = new Venue({
    instruments: [
      { symbol: "BTC", initialPrice: 100, contractValue: 1000, maxPrice: 40_000, margin: BRACKETS },
    ],
    mark: { kind: "oracle" },
  });
  const mm = v.openAccount("mm", { marginExempt: true });
  const p = v.openAccount("p", { marginExempt: true });
  v.deposit(mm, 1e12);
  v.submit({ account: mm, instrument: 0, side: SELL, quantity: lots, type: "limit", price: 100 });
  v.submit({ account: p, instrument: 0, side: BUY, quantity: lots, type: "market" });
  v.setOraclePrice(0, mark);
  v.updateMarks();
  return { maintenance: v.maintenanceRequirement(p), initial: v.initialRequirement(p) };
}

describe("size tiers with Binance's maintenance amount", () => {
  it("worked example: 1,000,000 notional is in the 1% bracket, maintenance 10,000 - 1,300", () => {
    // 10 lots x cv 1000 x mark 100 = 1,000,000
    const r = requirementsAt(10, 100);
    expect(r.maintenance).toBeCloseTo(1_000_000 * 0.01 - 1_300, 6);
    expect(r.maintenance).toBeCloseTo(8_700, 6);
    // initial amounts by the same recurrence: 50000 x 0.002 = 100; + 250000 x 0.01 = 2,600
    expect(r.initial).toBeCloseTo(1_000_000 * 0.02 - 2_600, 6);
    // 4,000,000 (mark 400) is in the 2.5% bracket: 100,000 - 46,300
    expect(requirementsAt(10, 400).maintenance).toBeCloseTo(53_700, 6);
    // 40,000 (1 lot at mark 40) is below the first tier: 0.4%, no amount
    expect(requirementsAt(1, 40).maintenance).toBeCloseTo(160, 9);
  });

  it("maintenance and initial are continuous at every tier boundary", () => {
    const m = validateMargin("margin", BRACKETS);
    const mm = (n: number) => maintenanceMargin(m, n);
    const im = (n: number) => initialMargin(m, n);
    for (const t of BRACKETS.tiers) {
      const b = t.notionalAbove;
      for (const eps of [1e-6, 1e-3, 1]) {
        // across the boundary each requirement moves by at most eps x the higher rate
        expect(Math.abs(mm(b + eps) - mm(b - eps))).toBeLessThanOrEqual(2 * eps * t.maintenance + 1e-6);
        expect(Math.abs(im(b + eps) - im(b - eps))).toBeLessThanOrEqual(2 * eps * t.initial + 1e-6);
      }
      // at the boundary the bracket below and the line of the bracket above agree
      expect(mm(b)).toBeCloseTo(b * t.maintenance - maintenanceAmount(m, b + 1), 6);
    }
    // and through the venue: one lot step (1,000 notional) across 50,000 costs about 1,000 x 0.5%
    const below = requirementsAt(1, 50).maintenance; // 50,000: 0.4% -> 200
    const above = requirementsAt(1, 51).maintenance; // 51,000: 0.5% - 50 -> 205
    expect(below).toBeCloseTo(200, 9);
    expect(above).toBeCloseTo(205, 9);
  });
  it("notionalAbove: tier 0 is told it needs >= 0 (there is no previous tier), later tiers the previous one's", () => {
    const m = (tiers: object[]) => () => validateMargin("margin", { initial: 0.1, maintenance: 0.05, tiers });
    const first = expectCode(m([{ notionalAbove: -1, initial: 0.1, maintenance: 0.05 }]), "INVALID_CONFIG");
    expect(first.field).toBe("margin.tiers.0.notionalAbove");
    expect(first.message).toContain(
      "margin.tiers.0.notionalAbove = -1; allowed: a finite number >= 0 (tier 0",
    );
    expect(first.message).not.toContain("previous tier");
    const second = expectCode(
      m([
        { notionalAbove: 100, initial: 0.1, maintenance: 0.05 },
        { notionalAbove: 50, initial: 0.2, maintenance: 0.1 },
      ]),
      "INVALID_CONFIG",
    );
    expect(second.message).toContain(
      "margin.tiers.1.notionalAbove = 50; allowed: a finite number > the previous tier's (100); tiers sorted ascending",
    );
  });

  it("an empty tiers array is refused by name (leave tiers out for flat rates)", () => {
    const e = expectCode(
      () => validateMargin("margin", { initial: 0.1, maintenance: 0.05, tiers: [] }),
      "INVALID_CONFIG",
    );
    expect(e.field).toBe("margin.tiers");
    expect(e.message).toContain("margin.tiers = []");
    expect(e.message).toContain("at least one tier { notionalAbove, initial, maintenance }");
    expect(e.message).toContain("leave tiers out for flat rates");
  });
});

describe("lending view", () => {
  it("healthFactor < 1 iff equity < maintenance iff isLiquidatable (long-only, negative cash)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            lt: fc.integer({ min: 50, max: 95 }), // liquidation threshold in percent
            qty: fc.integer({ min: 1, max: 500 }),
            price: fc.integer({ min: 10, max: 1000 }),
            mark: fc.integer({ min: 1, max: 4000 }),
            cv: fc.integer({ min: 1, max: 5 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.integer({ min: 1, max: 1_000_000 }),
        (assets, collateral) => {
          const v = new Venue({
            instruments: assets.map((a, k) => ({
              symbol: `A${k}`,
              initialPrice: a.price,
              contractValue: a.cv,
              maxPrice: 5000,
              margin: { initial: 1 - a.lt / 100, maintenance: 1 - a.lt / 100 },
            })),
            mark: { kind: "oracle" },
          });
          const pool = v.openAccount("pool", { marginExempt: true });
          const user = v.openAccount("user", { marginExempt: true });
          v.deposit(pool, 1_000_000_000);
          v.deposit(user, collateral);
          assets.forEach((a, k) => {
            v.submit({
              account: pool,
              instrument: k,
              side: SELL,
              quantity: a.qty,
              type: "limit",
              price: a.price,
            });
            v.submit({ account: user, instrument: k, side: BUY, quantity: a.qty, type: "market" });
            v.setOraclePrice(k, a.mark);
          });
          v.updateMarks();
          const cash = v.cash(user);
          let collateralValue = 0;
          let maint = 0;
          let equity = cash;
          assets.forEach((a) => {
            const value = a.qty * a.mark * a.cv;
            collateralValue += value * (a.lt / 100);
            maint += value * (1 - a.lt / 100);
            equity += value;
          });
          const debt = Math.max(-cash, 0);
          const hf = v.healthFactor(user);
          if (debt > 0) expect(hf).toBeCloseTo((collateralValue + Math.max(cash, 0)) / debt, 9);
          else expect(hf).toBe(Number.POSITIVE_INFINITY);
          expect(v.equity(user)).toBeCloseTo(equity, 6);
          expect(v.maintenanceRequirement(user)).toBeCloseTo(maint, 6);
          const under = v.equity(user) < v.maintenanceRequirement(user);
          expect(hf < 1).toBe(under);
          expect(v.isLiquidatable(user)).toBe(under);
          for (const x of [0.5, 1, 1.1, hf, hf * (1 + 1e-12), Number.POSITIVE_INFINITY])
            expect(v.healthFactorBelow(user, x)).toBe(hf < x);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("pre-trade initial margin check", () => {
  function single() {
    const v = new Venue({
      instruments: [
        {
          symbol: "X",
          initialPrice: 100,
          contractValue: 10,
          margin: { initial: 0.125, maintenance: 0.0625 },
        },
      ],
      mark: { kind: "oracle" },
    });
    const mm = v.openAccount("mm", { marginExempt: true });
    const t = v.openAccount("trader");
    v.deposit(mm, 10_000_000);
    v.deposit(t, 10_000);
    return { v, mm, t };
  }

  it("marginAllows(q) holds exactly for q <= maxOrderQuantity, and submit refuses exactly what it refuses", () => {
    fc.assert(
      fc.property(
        fc.record({
          cash: fc.integer({ min: 1_000, max: 200_000 }),
          lotsX: fc.integer({ min: -300, max: 300 }),
          lotsY: fc.integer({ min: -300, max: 300 }),
          restBuy: fc.integer({ min: 0, max: 40 }),
          restSell: fc.integer({ min: 0, max: 40 }),
          markX: fc.integer({ min: 60, max: 140 }),
          markY: fc.integer({ min: 30, max: 70 }),
          instrument: fc.integer({ min: 0, max: 1 }),
          buy: fc.boolean(),
          price: fc.integer({ min: 1, max: 300 }),
          q: fc.integer({ min: 1, max: 5_000 }),
        }),
        (c) => {
          const { v, mm, p } = twoAssets();
          v.deposit(p, c.cash);
          for (const [i, lots] of [
            [0, c.lotsX],
            [1, c.lotsY],
          ] as const) {
            const price = i === 0 ? 100 : 50;
            const side = lots > 0 ? BUY : SELL;
            // as much of the position as the account's margin carries
            const quantity = Math.min(Math.abs(lots), v.maxOrderQuantity(p, i, side, price));
            if (quantity === 0) continue;
            v.submit({ account: mm, instrument: i, side: -side as 1 | -1, quantity, type: "limit", price });
            v.submit({ account: p, instrument: i, side, quantity, type: "market" });
          }
          v.setOraclePrice(0, c.markX);
          v.setOraclePrice(1, c.markY);
          v.updateMarks();
          // Resting orders count in the worst case (each only if the margin check lets it rest).
          const rest = (side: 1 | -1, quantity: number, price: number) => {
            if (quantity > 0 && v.marginAllows(p, 0, side, quantity, price))
              v.submit({ account: p, instrument: 0, side, quantity, type: "limit", price });
          };
          rest(BUY, c.restBuy, Math.min(c.markX, 100) - 5);
          rest(SELL, c.restSell, Math.max(c.markX, 100) + 5);
          const side = c.buy ? BUY : SELL;
          const price = Math.min(c.price, v.instruments[c.instrument].maxPrice);
          const max = v.maxOrderQuantity(p, c.instrument, side, price);
          for (const q of [c.q, max, max + 1, Math.max(1, max - 1), 1]) {
            if (q < 1 || q > v.maxOrderLots(c.instrument)) continue;
            expect(v.marginAllows(p, c.instrument, side, q, price)).toBe(q <= max);
          }
          const before = snapshot(v);
          const order = {
            account: p,
            instrument: c.instrument,
            side,
            quantity: c.q,
            type: "limit",
            price,
            tif: "POST_ONLY",
          } as const;
          if (v.marginAllows(p, c.instrument, side, c.q, price)) expect(() => v.submit(order)).not.toThrow();
          else {
            expectCode(() => v.submit(order), "INSUFFICIENT_MARGIN");
            expect(snapshot(v)).toBe(before);
          }
        },
      ),
    );
  });

  it("marginAllows names a bad argument", () => {
    const { v, t } = single();
    expect(v.marginAllows(t, 0, BUY, 80, 100)).toBe(true);
    expect(v.marginAllows(t, 0, BUY, 81, 100)).toBe(false);
    expectCode(() => v.marginAllows(t, 0, BUY, 0, 100), "INVALID_QUANTITY");
    expectCode(() => v.marginAllows(t, 0, BUY, 1.5, 100), "INVALID_QUANTITY");
    expectCode(() => v.marginAllows(t, 0, BUY, 1, Number.NaN), "INVALID_PRICE");
    expectCode(() => v.marginAllows(t, 0, 0 as 1, 1, 100), "INVALID_SIDE");
    expectCode(() => v.marginAllows(t, 3, BUY, 1, 100), "UNKNOWN_INSTRUMENT");
    expectCode(() => v.marginAllows(99, 0, BUY, 1, 100), "UNKNOWN_ACCOUNT");
  });

  it("maxOrderQuantity passes and +1 fails with INSUFFICIENT_MARGIN naming field and value", () => {
    const { v, t } = single();
    // 1 lot = 1000 cash units notional, 125 initial: 80 lots use exactly the 10000 equity
    expect(v.maxOrderQuantity(t, 0, BUY, 100)).toBe(80);
    const before = snapshot(v);
    const e = expectCode(
      () => v.submit({ account: t, instrument: 0, side: BUY, quantity: 81, type: "limit", price: 100 }),
      "INSUFFICIENT_MARGIN",
    );
    expect(e.field).toBe("quantity");
    expect(e.value).toBe(81);
    expect(e.message).toContain("quantity = 81");
    expect(e.message).toContain("at most 80 lots");
    expect(snapshot(v)).toBe(before);
    expect(
      v.submit({ account: t, instrument: 0, side: BUY, quantity: 80, type: "limit", price: 100 }).resting,
    ).toBe(80);
    // resting orders count: no more buys, a sell of 80 does not increase the worst case, 81 does
    expect(v.maxOrderQuantity(t, 0, BUY, 100)).toBe(0);
    expectCode(
      () => v.submit({ account: t, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 90 }),
      "INSUFFICIENT_MARGIN",
    );
    expect(v.maxOrderQuantity(t, 0, SELL, 100)).toBe(80);
    v.submit({ account: t, instrument: 0, side: SELL, quantity: 80, type: "limit", price: 120 });
    expectCode(
      () => v.submit({ account: t, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 120 }),
      "INSUFFICIENT_MARGIN",
    );
  });

  it("limit prices through the mark cost equity; sells above the mark do not", () => {
    const { v, t } = single();
    // buying at 120 with the mark at 100 loses 200 per lot immediately: 10000 - 200 q >= 125 q
    expect(v.maxOrderQuantity(t, 0, BUY, 120)).toBe(30);
    expect(
      v.submit({ account: t, instrument: 0, side: BUY, quantity: 30, type: "limit", price: 120 }).resting,
    ).toBe(30);
    v.cancelAll(t);
    expectCode(
      () => v.submit({ account: t, instrument: 0, side: BUY, quantity: 31, type: "limit", price: 120 }),
      "INSUFFICIENT_MARGIN",
    );
    expect(v.maxOrderQuantity(t, 0, SELL, 120)).toBe(80);
  });

  it("orders that reduce exposure and reduce-only orders pass when under margin; increasing ones do not", () => {
    const { v, mm, t } = single();
    v.submit({ account: mm, instrument: 0, side: SELL, quantity: 80, type: "limit", price: 100 });
    v.submit({ account: t, instrument: 0, side: BUY, quantity: 80, type: "market" });
    v.setOraclePrice(0, 90);
    v.updateMarks();
    // equity 10000 - 8000 = 2000 < maintenance 72000 * 0.0625 = 4500
    expect(v.isLiquidatable(t)).toBe(true);
    expect(v.maxOrderQuantity(t, 0, BUY, 90)).toBe(0);
    expectCode(
      () => v.submit({ account: t, instrument: 0, side: BUY, quantity: 1, type: "market" }),
      "INSUFFICIENT_MARGIN",
    );
    expect(v.maxOrderQuantity(t, 0, SELL, 90)).toBe(80);
    v.submit({ account: mm, instrument: 0, side: BUY, quantity: 200, type: "limit", price: 89 });
    expect(v.submit({ account: t, instrument: 0, side: SELL, quantity: 30, type: "market" }).filled).toBe(30);
    expect(
      v.submit({ account: t, instrument: 0, side: SELL, quantity: 500, type: "market", reduceOnly: true })
        .filled,
    ).toBe(50);
    expect(v.position(t, 0)).toBe(0);
    expectCode(
      () =>
        v.submit({ account: t, instrument: 0, side: SELL, quantity: 1, type: "market", reduceOnly: true }),
      "REDUCE_ONLY",
    );
  });

  it("exempt accounts skip the check", () => {
    const { v, mm } = single();
    expect(v.maxOrderQuantity(mm, 0, BUY, 100)).toBe(Math.floor(Number.MAX_SAFE_INTEGER / 4000));
    expect(v.isMarginExempt(mm)).toBe(true);
  });
});
