import { describe, expect, it } from "vitest";
import { leastAllocatedBytes } from "../allocation.js";
import { quotingMaker } from "./helpers.js";

describe("hot paths allocate nothing per call", () => {
  it("a market maker's requote (cancel all, quote, 16 limit orders) allocates nothing", () => {
    const { m, mm, account } = quotingMaker();
    const tick = m.loop.now;
    const requotes = 4000;
    for (let k = 0; k < requotes; k++) mm.act(tick); // warm: optimized code, grown arrays
    expect(m.venue.openOrders(account).length).toBe(16);
    const bytes = leastAllocatedBytes(() => {
      for (let k = 0; k < requotes; k++) mm.act(tick);
    });
    expect(m.venue.openOrders(account).length).toBe(16);
    // One 16-byte object per requote would be 64,000 bytes. Before: a Quote object per requote, the
    // account's order list re-allocated after each cancelAll, a boxed margin shortfall per order.
    expect(bytes / requotes).toBeLessThan(8);
  });
});
