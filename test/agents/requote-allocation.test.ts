import { type MarketMaker, marketMakers } from "@cascade/agents";
import { BUY, SELL } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { allocatedBytes } from "../allocation.js";
import { makeMarket } from "./helpers.js";

describe("hot paths allocate nothing per call", () => {
  it("a market maker's requote (cancel all, quote, 16 limit orders) allocates nothing", () => {
    const m = makeMarket({
      populations: [
        marketMakers({
          count: 1,
          activation: { once: 1e12 },
          levels: 8,
          capital: 1e10,
          withdrawMove: 1e9,
          withdrawVolatility: 1e9,
        }),
      ],
    });
    const lp = m.venue.openAccount("lp");
    m.venue.deposit(lp, 1e13);
    m.venue.submit({ account: lp, instrument: 0, side: BUY, quantity: 50, type: "limit", price: 99_000 });
    m.venue.submit({ account: lp, instrument: 0, side: SELL, quantity: 50, type: "limit", price: 101_000 });
    for (let t = 0; t < 10; t++) m.loop.step();
    const mm = m.built[0].agents[0] as MarketMaker;
    const account = m.built[0].accounts[0];
    const tick = m.loop.now;
    const requotes = 4000;
    for (let k = 0; k < requotes; k++) mm.act(tick); // warm: optimized code, grown arrays
    expect(m.venue.openOrders(account).length).toBe(16);
    const bytes = allocatedBytes(() => {
      for (let k = 0; k < requotes; k++) mm.act(tick);
    });
    expect(m.venue.openOrders(account).length).toBe(16);
    // One 16-byte object per requote would be 64,000 bytes. Before: a Quote object per requote, the
    // account's order list re-allocated after each cancelAll, a boxed margin shortfall per order.
    expect(bytes / requotes).toBeLessThan(8);
  });
});
