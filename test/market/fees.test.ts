/**
 * Fee rounding: fee = floor(notional x bps / 10_000) of the decimal bps the config gives (a maker
 * rebate rounds toward zero), exact in integers, not floor of a float product that lands just
 * under an integer (2.3 bps of 100,000 is 23, not 22).
 */
import { CascadeError } from "@cascade/core";
import { BUY, SELL, Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** One fill of `lots` at `price` (cv `cv`): the fill's maker and taker fees and everyone's cash. */
function oneFill(makerBps: number, takerBps: number, price: number, lots: number, cv: number) {
  const v = new Venue({
    instruments: [{ symbol: "X", initialPrice: price, contractValue: cv, maxPrice: 4 * price }],
    fees: { makerBps, takerBps },
  });
  const maker = v.openAccount("maker", { marginExempt: true });
  const taker = v.openAccount("taker", { marginExempt: true });
  v.deposit(maker, 1e12);
  v.deposit(taker, 1e12);
  const fees: { maker: number; taker: number }[] = [];
  v.fills$.subscribe((f) => fees.push({ maker: f.makerFee, taker: f.takerFee }));
  v.submit({ account: maker, instrument: 0, side: SELL, quantity: lots, type: "limit", price });
  v.submit({ account: taker, instrument: 0, side: BUY, quantity: lots, type: "market" });
  expect(fees).toHaveLength(1);
  const notional = price * lots * cv;
  expect(v.cash(maker)).toBe(1e12 + notional - fees[0].maker);
  expect(v.cash(taker)).toBe(1e12 - notional - fees[0].taker);
  expect(v.cash(v.feeAccount)).toBe(fees[0].maker + fees[0].taker);
  expect(v.totalCash()).toBe(v.totalDeposits);
  return fees[0];
}

/** floor(notional x tenths / 100_000) toward zero, in BigInt: bps given in tenths of a basis point. */
function exactFee(notional: number, tenths: number): number {
  const q = (BigInt(notional) * BigInt(Math.abs(tenths))) / 100_000n;
  return tenths < 0 ? 0 - Number(q) : Number(q); // a rebate rounded to nothing is 0, not -0
}

describe("fee rounding", () => {
  it("2.3 bps taker on 100,000 is 23 and a 4.1 bps maker rebate is 41 (not 22 and 40)", () => {
    const f = oneFill(-4.1, 2.3, 1000, 1, 100);
    expect(f.taker).toBe(23);
    expect(f.maker).toBe(-41);
  });

  it("matches the exact decimal fee for bps with one decimal, any notional", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom(1, 7, 100, 1000),
        (makerT, takerT, price, lots, cv) => {
          const f = oneFill(makerT / 10, takerT / 10, price, lots, cv);
          const n = price * lots * cv;
          expect(f.maker).toBe(exactFee(n, makerT));
          expect(f.taker).toBe(exactFee(n, takerT));
        },
      ),
      { numRuns: 400, examples: [[-41, 23, 1000, 1, 100]] },
    );
  });
});

describe("fees on partial fills", () => {
  it("each fill is charged on its own notional; an order's rested remainder pays the maker rate later", () => {
    const v = new Venue({
      instruments: [{ symbol: "X", initialPrice: 1000, contractValue: 3 }],
      fees: { makerBps: -1.5, takerBps: 6 },
    });
    const [m, t, u] = ["m", "t", "u"].map((l) => v.openAccount(l, { marginExempt: true }));
    for (const a of [m, t, u]) v.deposit(a, 10_000_000);
    const fills: [number, number, number, number][] = [];
    v.fills$.subscribe((f) => fills.push([f.makerOrderId, f.takerOrderId, f.makerFee, f.takerFee]));
    const ask = v.submit({ account: m, instrument: 0, side: SELL, quantity: 7, type: "limit", price: 1001 });
    // t buys 10 at 1001: 7 fill against m (taker), 3 rest as a bid
    const bid = v.submit({ account: t, instrument: 0, side: BUY, quantity: 10, type: "limit", price: 1001 });
    expect([bid.filled, bid.resting]).toEqual([7, 3]);
    // u sells 2 into t's resting bid, then 5 more of which only 1 can fill (IOC)
    const s1 = v.submit({ account: u, instrument: 0, side: SELL, quantity: 2, type: "market" });
    const s2 = v.submit({
      account: u,
      instrument: 0,
      side: SELL,
      quantity: 5,
      type: "limit",
      price: 1001,
      tif: "IOC",
    });
    expect(s2.filled).toBe(1);
    // notionals 7 x 1001 x 3 = 21,021; 2 x 3,003 = 6,006; 3,003:
    // taker 6 bps floored: 12, 3, 1; maker rebate 1.5 bps toward zero: -3, -0, -0
    expect(fills).toEqual([
      [ask.orderId, bid.orderId, -3, 12],
      [bid.orderId, s1.orderId, 0, 3],
      [bid.orderId, s2.orderId, 0, 1],
    ]);
    // a rebate that rounds to nothing is 0: it was -0, which toEqual, Object.is and Intl tell from 0
    expect(Object.is(fills[1][2], 0) && Object.is(fills[2][2], 0)).toBe(true);
    expect(v.cash(v.feeAccount)).toBe(-3 + 12 + 3 + 1);
    expect(v.cash(m)).toBe(10_000_000 + 21_021 + 3);
    expect(v.cash(t)).toBe(10_000_000 - 21_021 - 12 - 6_006 - 3_003);
    expect(v.cash(u)).toBe(10_000_000 + 6_006 + 3_003 - 3 - 1);
    expect(v.totalCash()).toBe(v.totalDeposits);
  });
});

describe("fee rates the venue cannot charge exactly", () => {
  const make = (fees: { makerBps: number; takerBps: number }) =>
    new Venue({ instruments: [{ symbol: "X", initialPrice: 1000 }], fees });

  it("refuses a rate with more than 8 decimals, naming the field (it was rounded to 8 decimals)", () => {
    for (const [fees, field, value] of [
      [{ makerBps: 0, takerBps: 1 / 3 }, "fees.takerBps", 1 / 3],
      [{ makerBps: -0.123456789, takerBps: 5 }, "fees.makerBps", -0.123456789],
      [{ makerBps: 0, takerBps: 0.1 + 0.2 }, "fees.takerBps", 0.30000000000000004],
    ] as const) {
      let err: unknown;
      try {
        make(fees);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CascadeError);
      const c = err as CascadeError;
      expect([c.code, c.field, c.value]).toEqual(["INVALID_CONFIG", field, value]);
      expect(c.allowed).toContain("at most 8 decimals");
    }
  });

  it("accepts every rate with up to 8 decimals and charges it exactly", () => {
    expect(make({ makerBps: -0.12345678, takerBps: 9999.99999999 }).fees.takerBps).toBe(9999.99999999);
    // 0.00000001 bps of 10^12 is exactly 1 cash unit
    const v = new Venue({
      instruments: [{ symbol: "X", initialPrice: 1_000_000, contractValue: 1_000_000, maxPrice: 4_000_000 }],
      fees: { makerBps: 0, takerBps: 0.00000001 },
    });
    const m = v.openAccount("m", { marginExempt: true });
    const t = v.openAccount("t", { marginExempt: true });
    v.deposit(t, 2e12);
    const taker: number[] = [];
    v.fills$.subscribe((f) => taker.push(f.takerFee));
    v.submit({ account: m, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 1_000_000 });
    v.submit({ account: t, instrument: 0, side: BUY, quantity: 1, type: "market" });
    expect(taker).toEqual([1]);
  });
});
