import { BUY, SELL, Venue } from "@cascade/market";
import { afterEach, describe, expect, it, vi } from "vitest";
import { quotingMaker } from "../agents/helpers.js";
import { expectCode } from "./venue-helpers.js";

/** Counts evaluations of the venue's pre-trade margin check (the private onlyReduces). */
function countChecks() {
  return vi.spyOn(Venue.prototype as unknown as { onlyReduces: () => boolean }, "onlyReduces");
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** 1 lot = 1,000 cash units at 100, initial 12.5%: 80 lots use exactly the trader's 10,000. */
function single() {
  const v = new Venue({
    instruments: [
      { symbol: "X", initialPrice: 100, contractValue: 10, margin: { initial: 0.125, maintenance: 0.0625 } },
    ],
    mark: { kind: "oracle" },
  });
  const mm = v.openAccount("mm", { marginExempt: true });
  const t = v.openAccount("trader");
  v.deposit(mm, 10_000_000);
  v.deposit(t, 10_000);
  // mm holds 10 lots long (bought from lp), for a position transfer to the trader
  const lp = v.openAccount("lp", { marginExempt: true });
  v.deposit(lp, 10_000_000);
  v.submit({ account: lp, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 100 });
  v.submit({ account: mm, instrument: 0, side: BUY, quantity: 10, type: "market" });
  return { v, mm, t };
}

const buy80 = (t: number) =>
  ({ account: t, instrument: 0, side: BUY, quantity: 80, type: "limit", price: 100 }) as const;

describe("an order marginAllows just passed is not checked again by submit", () => {
  it("submit right after marginAllows passed the same order evaluates nothing; another order is evaluated", () => {
    const { v, t } = single();
    expect(v.marginAllows(t, 0, BUY, 80, 100)).toBe(true);
    const checks = countChecks();
    expect(v.submit(buy80(t)).resting).toBe(80);
    expect(checks).toHaveBeenCalledTimes(0);
    // a different quantity, price or side than the one passed is evaluated (and here refused)
    expect(v.marginAllows(t, 0, SELL, 80, 130)).toBe(true);
    expectCode(() => v.submit({ ...buy80(t), quantity: 1, price: 90 }), "INSUFFICIENT_MARGIN");
    expect(checks.mock.calls.length).toBeGreaterThan(1);
  });

  it("a change to cash, resting orders or marks after marginAllows makes submit check again and refuse", () => {
    const changes: Array<[string, (v: Venue, t: number, mm: number) => void]> = [
      ["cash transferred out", (v, t, mm) => v.transferCash(t, mm, 1, "fee")],
      [
        "another buy rested",
        (v, t) => v.submit({ account: t, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 90 }),
      ],
      [
        "the mark moved",
        (v) => {
          v.setOraclePrice(0, 101);
          v.updateMarks();
        },
      ],
      [
        "a position bought",
        (v, t, mm) => {
          v.submit({ account: mm, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 100 });
          v.submit({ account: t, instrument: 0, side: BUY, quantity: 1, type: "market" });
        },
      ],
      ["a position transferred in", (v, t, mm) => v.transferPosition(mm, t, 0, 1, 100, "takeover")],
    ];
    for (const [what, change] of changes) {
      const { v, t, mm } = single();
      expect(v.marginAllows(t, 0, BUY, 80, 100), what).toBe(true);
      change(v, t, mm);
      expect(v.marginAllows(t, 0, BUY, 80, 100), what).toBe(false);
      expectCode(() => v.submit(buy80(t)), "INSUFFICIENT_MARGIN");
    }
  });

  it("a market maker's limit order is margin-checked once, not by marginAllows and again by submit", () => {
    const { m, mm, account } = quotingMaker();
    const checks = countChecks();
    const submits = vi.spyOn(m.venue, "submit");
    const quotes = vi.spyOn(m.venue, "postQuote");
    for (let k = 0; k < 10; k++) mm.act(m.loop.now);
    expect(m.venue.openOrders(account).length).toBe(16);
    // Its POST_ONLY quotes go through postQuote (marginAllows and submit in one call).
    expect(quotes).toHaveBeenCalledTimes(160);
    expect(submits).toHaveBeenCalledTimes(0);
    // Before: 320, marginAllows' evaluation and then submit's own of the same order.
    expect(checks).toHaveBeenCalledTimes(160);
  });
});
