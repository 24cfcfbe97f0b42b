/**
 * Post-only on the venue: refused (nothing rests, nothing changes) only when it would take
 * liquidity; crossing only its account's own orders, it cancels them by self-trade prevention, as
 * a taker would, and rests.
 */
import { BUY, SELL, Venue } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { checkBookkeeping, snapshot } from "./venue-helpers.js";

function setup() {
  const v = new Venue({ instruments: [{ symbol: "X", initialPrice: 100 }] });
  const a = v.openAccount("a", { marginExempt: true });
  const b = v.openAccount("b", { marginExempt: true });
  v.deposit(a, 1_000_000);
  v.deposit(b, 1_000_000);
  return { v, a, b };
}

describe("post-only on the venue", () => {
  it("a post-only bid over the account's own asks cancels them and rests (it used to be refused)", () => {
    const { v, a } = setup();
    const ask1 = v.submit({ account: a, instrument: 0, side: SELL, quantity: 3, type: "limit", price: 101 });
    const ask2 = v.submit({ account: a, instrument: 0, side: SELL, quantity: 2, type: "limit", price: 103 });
    const bid = v.submit({
      account: a,
      instrument: 0,
      side: BUY,
      quantity: 4,
      type: "limit",
      price: 102,
      tif: "POST_ONLY",
    });
    expect([bid.filled, bid.resting]).toEqual([0, 4]);
    expect(v.openOrders(a)).toEqual([ask2.orderId, bid.orderId]);
    expect(v.book(0).has(ask1.orderId)).toBe(false);
    expect([v.book(0).bestBid(), v.book(0).bestAsk()]).toEqual([102, 103]);
    expect([v.restingQuantity(a, 0, BUY), v.restingQuantity(a, 0, SELL)]).toEqual([4, 2]);
    expect(v.totalCash()).toBe(v.totalDeposits);
    checkBookkeeping(v);
  });

  it("one that would trade with another account is refused and changes nothing", () => {
    const { v, a, b } = setup();
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 3, type: "limit", price: 101 });
    v.submit({ account: b, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 102 });
    const before = snapshot(v);
    const r = v.submit({
      account: a,
      instrument: 0,
      side: BUY,
      quantity: 4,
      type: "limit",
      price: 102,
      tif: "POST_ONLY",
    });
    expect([r.filled, r.resting]).toEqual([0, 0]);
    expect(snapshot(v)).toBe(before);
    checkBookkeeping(v);
  });
});
