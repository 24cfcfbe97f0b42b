import { BUY, type OrderRequest, type OrderResult, SELL, Venue } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { leastAllocatedBytes } from "../allocation.js";

describe("the venue's order path allocates nothing per order", () => {
  it("an account requoting 16 limit orders and cancelling them all allocates nothing", () => {
    const venue = new Venue({
      instruments: [{ symbol: "X", initialPrice: 100_000 }],
      fees: { makerBps: 0, takerBps: 5 },
    });
    const maker = venue.openAccount("maker"); // not margin-exempt: every order is margin-checked
    venue.deposit(maker, 1e10);
    const order: OrderRequest = {
      account: maker,
      instrument: 0,
      side: BUY,
      quantity: 15,
      type: "limit",
      price: 0,
      tif: "POST_ONLY",
    };
    const out: OrderResult = { orderId: 0, filled: 0, resting: 0, notional: 0, averagePrice: 0 };
    const requote = () => {
      venue.cancelAll(maker, 0);
      for (let l = 0; l < 8; l++) {
        order.side = BUY;
        order.price = 99_990 - 2 * l;
        venue.submit(order, out);
        order.side = SELL;
        order.price = 100_010 + 2 * l;
        venue.submit(order, out);
      }
    };
    const requotes = 4000;
    for (let k = 0; k < requotes; k++) requote(); // warm: optimized code
    expect(venue.openOrders(maker).length).toBe(16);
    const bytes = leastAllocatedBytes(() => {
      for (let k = 0; k < requotes; k++) requote();
    });
    expect(venue.openOrders(maker).length).toBe(16);
    expect(venue.restingQuantity(maker, 0, BUY)).toBe(8 * 15);
    // Before: cancelAll's list.length = 0 dropped the order list's storage (re-grown by the next
    // quotes), and each margin check returned its shortfall as a boxed number (16 bytes per order).
    expect(bytes / requotes).toBeLessThan(8);
  });

  it("maxOrderQuantity's search allocates nothing", () => {
    const venue = new Venue({ instruments: [{ symbol: "X", initialPrice: 100_000 }] });
    const trader = venue.openAccount("trader");
    venue.deposit(trader, 1e9);
    const sum = new Float64Array(1); // a captured number would be boxed at every write
    const search = () => {
      for (let k = 0; k < 50; k++)
        sum[0] += venue.maxOrderQuantity(trader, 0, k % 2 === 0 ? BUY : SELL, 99_000 + k);
    };
    const rounds = 1000;
    for (let k = 0; k < rounds; k++) search(); // warm
    const expected = sum[0];
    const bytes = leastAllocatedBytes(() => {
      for (let k = 0; k < rounds; k++) search();
    });
    expect(sum[0]).toBe(4 * expected); // the warm-up and three samples
    // Before: a closure over the search's arguments per call (about 140 bytes measured).
    expect(bytes / (rounds * 50)).toBeLessThan(8);
  });
});
