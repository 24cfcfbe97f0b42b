import { AgentView, marketTape, orderActivity } from "@cascade/agents";
import { Rng } from "@cascade/core";
import { BUY, SELL } from "@cascade/market";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeMarket } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("AgentView.cancel", () => {
  it("cancels with one venue call (no openOrders search first); false, nothing counted, for an id not resting", () => {
    const { venue, loop } = makeMarket();
    const a = venue.openAccount("mine");
    const b = venue.openAccount("other");
    venue.deposit(a, 1e9);
    venue.deposit(b, 1e9);
    const view = new AgentView(venue, marketTape(venue, loop), a, Rng.fromSeed(1));
    loop.step();
    view.limit(0, BUY, 2, 99_000);
    view.limit(0, SELL, 3, 101_000);
    const [buy, sell] = view.openOrders();
    const theirs = venue.submit({
      account: b,
      instrument: 0,
      side: BUY,
      quantity: 1,
      type: "limit",
      price: 98_000,
    });
    const openOrders = vi.spyOn(venue, "openOrders");
    const cancel = vi.spyOn(venue, "cancel");
    const once = vi.spyOn(venue, "cancelIfResting");

    expect(view.cancel(sell)).toBe(true);
    expect(view.cancel(sell)).toBe(false);
    expect(view.cancel(theirs.orderId)).toBe(false);
    expect(view.cancel(12_345)).toBe(false);
    expect(openOrders).not.toHaveBeenCalled();
    expect(cancel).not.toHaveBeenCalled();
    expect(once).toHaveBeenCalledTimes(4);
    openOrders.mockRestore();
    expect([...view.openOrders()]).toEqual([buy]);
    expect([...venue.openOrders(b)]).toEqual([theirs.orderId]);
    expect(venue.restingQuantity(a, 0, SELL)).toBe(0);
    expect(orderActivity(venue).cancels).toBe(1);
  });
});
