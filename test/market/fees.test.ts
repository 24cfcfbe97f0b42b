/**
 * Fee rounding: fee = floor(notional x bps / 10_000) of the decimal bps the config gives (a maker
 * rebate rounds toward zero), exact in integers, not floor of a float product that lands just
 * under an integer (2.3 bps of 100,000 is 23, not 22).
 */
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
  return tenths < 0 ? -Number(q) : Number(q);
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
