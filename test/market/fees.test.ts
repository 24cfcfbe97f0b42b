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
  it("4.1 bps taker on 100,000 is 41 and a 2.3 bps maker rebate is 23 (not 40 and 22)", () => {
    const f = oneFill(-2.3, 4.1, 1000, 1, 100);
    expect(f.taker).toBe(41);
    expect(f.maker).toBe(-23);
  });

  it("matches the exact decimal fee for bps with one decimal, any notional", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom(1, 7, 100, 1000),
        (rawMakerT, takerT, price, lots, cv) => {
          // a rebate is at most the taker fee (takerBps + makerBps >= 0)
          const makerT = Math.max(rawMakerT, -takerT);
          const f = oneFill(makerT / 10, takerT / 10, price, lots, cv);
          const n = price * lots * cv;
          expect(f.maker).toBe(exactFee(n, makerT));
          expect(f.taker).toBe(exactFee(n, takerT));
        },
      ),
      { numRuns: 400, examples: [[-23, 41, 1000, 1, 100]] },
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

describe("maker rebates", () => {
  const make = (fees: { makerBps: number; takerBps: number }) =>
    new Venue({ instruments: [{ symbol: "X", initialPrice: 1000 }], fees });
  const refusal = (fees: { makerBps: number; takerBps: number }) => {
    try {
      make(fees);
    } catch (e) {
      return e as CascadeError;
    }
    throw new Error(`${JSON.stringify(fees)} was accepted`);
  };

  it("refuses a rebate larger than the other side's fee (the venue would pay both sides), naming the rebate", () => {
    const e = refusal({ makerBps: -2, takerBps: 1.5 });
    expect([e.code, e.field, e.value]).toEqual(["INVALID_CONFIG", "fees.makerBps", -2]);
    expect(e.message).toBe(
      "invalid venue config: fees.makerBps = -2; allowed: a rebate no larger than the taker fee: makerBps >= -takerBps = -1.5 (takerBps + makerBps >= 0; no venue pays both sides of a trade, and its fee account would go below zero)",
    );
    expect(refusal({ makerBps: -0.00000001, takerBps: 0 }).message).toContain("makerBps >= -takerBps = 0 (");
    // a taker rebate, on the same terms
    const t = refusal({ makerBps: 1, takerBps: -3 });
    expect([t.field, t.value]).toEqual(["fees.takerBps", -3]);
    expect(t.allowed).toMatch(/^a rebate no larger than the maker fee: takerBps >= -makerBps = -1 /);
    // a rebate equal to the other fee (the venue keeps what rounding leaves) is allowed
    expect(make({ makerBps: -2.3, takerBps: 2.3 }).fees).toEqual({ makerBps: -2.3, takerBps: 2.3 });
  });

  it("with a maker rebate, every fill moves cash exactly: conservation holds and the fee account never goes below zero", () => {
    const op = fc.record({
      maker: fc.integer({ min: 0, max: 3 }),
      taker: fc.integer({ min: 0, max: 3 }),
      side: fc.constantFrom(BUY, SELL),
      price: fc.integer({ min: 900, max: 1100 }),
      lots: fc.integer({ min: 1, max: 500 }),
      takeLots: fc.integer({ min: 1, max: 600 }),
    });
    fc.assert(
      fc.property(
        // the taker fee in 10^-4 bp, and a rebate of at most that much
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(1, 3, 100),
        fc.array(op, { minLength: 1, maxLength: 40 }),
        (takerU, share, cv, ops) => {
          const takerBps = takerU / 10_000;
          const makerBps = -Math.floor(takerU * share) / 10_000;
          const v = new Venue({
            instruments: [{ symbol: "X", initialPrice: 1000, contractValue: cv }],
            fees: { makerBps, takerBps },
          });
          const accounts = [0, 1, 2, 3].map((k) => v.openAccount(`a${k}`, { marginExempt: true }));
          for (const a of accounts) v.deposit(a, 1e12);
          let feesPaid = 0;
          let feeCash = 0;
          v.fills$.subscribe((f) => {
            expect(f.makerFee).toBeLessThanOrEqual(0);
            expect(f.makerFee + f.takerFee).toBeGreaterThanOrEqual(0);
            feesPaid += f.makerFee + f.takerFee;
            // the fee account after each fill: never below zero, and never falling
            expect(v.cash(v.feeAccount)).toBe(feesPaid);
            expect(v.cash(v.feeAccount)).toBeGreaterThanOrEqual(feeCash);
            feeCash = v.cash(v.feeAccount);
          });
          for (const o of ops) {
            v.submit({
              account: accounts[o.maker],
              instrument: 0,
              side: o.side,
              quantity: o.lots,
              type: "limit",
              price: o.price,
            });
            v.submit({
              account: accounts[o.taker],
              instrument: 0,
              side: o.side === BUY ? SELL : BUY,
              quantity: o.takeLots,
              type: "market",
            });
            expect(v.totalCash()).toBe(v.totalDeposits);
            expect(accounts.reduce((s, a) => s + v.cash(a), v.cash(v.feeAccount))).toBe(4e12);
            expect(v.totalPosition(0)).toBe(0);
          }
        },
      ),
      {
        numRuns: 200,
        examples: [[50_000, 1, 100, [{ maker: 0, taker: 1, side: SELL, price: 1000, lots: 7, takeLots: 7 }]]],
      },
    );
  });
});
