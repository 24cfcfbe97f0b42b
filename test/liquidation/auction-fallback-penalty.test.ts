/**
 * A Dutch auction's fallback: the auctions of one liquidation (one per instrument, opened together
 * with one duration) expire together, and what they left is swept on the book at once. That sweep
 * is one step, as a market sweep of several instruments is: its penalties are charged once all of
 * it is done, capped at the equity left, so none comes out of equity that a later leg turns into a
 * deficit. It charged the first leg's penalty before the second leg was swept, and the fund then
 * paid the deficit back out of that same penalty (penalty and bad debt both inflated by it).
 */
import { presets } from "@cascade/liquidation";
import { describe, expect, it } from "vitest";
import { bid, conserved, engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

/**
 * A trader long 100 X (100) and 100 Y (50) on 1,000 of cash under 3-tick Dutch auctions: at X 96,
 * Y 48 its equity 1000 - 400 - 200 = 400 is under maintenance 5% x 14,400 = 720, and the check at
 * tick 1 opens an auction per instrument.
 */
function auctionedLongXY() {
  const v = twoAssetVenue();
  const mk = maker(v);
  const a = v.openAccount("trader", { marginExempt: true });
  v.deposit(a, 1000);
  open(v, a, mk, 0, 100, 100);
  open(v, a, mk, 1, 100, 50);
  const e = engineFor(v, presets.dutchAuction({ durationTicks: 3 }));
  setMarks(v, [96, 48]);
  v.advance(1);
  e.check(1);
  return { v, mk, a, e };
}

describe("Dutch auction fallback penalty", () => {
  it("is charged once the sweep of every expired leg is done, capped at the equity left", () => {
    const { v, mk, a, e } = auctionedLongXY();
    expect(v.openAuctions().map((x) => [x.instrument, x.quantity])).toEqual([
      [0, 100],
      [1, 100],
    ]);
    // no keeper takes; both expire at tick 5 into the fallback: X to a bid at 95 (equity 400 -> 300),
    // Y to a bid at 40 (300 -> -500)
    bid(v, mk, 0, 100, 95);
    bid(v, mk, 1, 100, 40);
    v.advance(5);
    e.check(5);
    expect([v.position(a, 0), v.position(a, 1)]).toEqual([0, 0]);
    expect(
      e.records.filter((r) => r.quantity > 0).map((r) => [r.instrument, r.execution, r.penalty]),
    ).toEqual([
      [0, "marketSweep", 0],
      [1, "marketSweep", 0],
    ]);
    // the account ends 500 short; the X leg's 13% (capped at 300 of equity) is not taken first and
    // then paid back by the fund as part of an 800 deficit
    const s = e.stats();
    expect([s.penalties, s.badDebt, s.insuranceDraw, s.unrecoveredDebt]).toEqual([0, 500, 0, 500]);
    expect(v.cash(e.insuranceFund)).toBe(0);
    expect(v.cash(a)).toBe(-500);
    // records in the order they were made, each id its index
    expect(e.records.map((r) => r.id)).toEqual(e.records.map((_, i) => i));
    expect(conserved(v)).toBe(true);
  });

  it("still charges the legs' penalties when the account ends solvent, in record order", () => {
    const { v, mk, e } = auctionedLongXY();
    // X to 96 and Y to 48, at the marks: equity stays 400; X's 13% of 9,600 takes all of it
    bid(v, mk, 0, 100, 96);
    bid(v, mk, 1, 100, 48);
    v.advance(5);
    e.check(5);
    expect(e.records.filter((r) => r.quantity > 0).map((r) => [r.instrument, r.notional, r.penalty])).toEqual(
      [
        [0, 9600, 400],
        [1, 4800, 0],
      ],
    );
    expect([e.stats().penalties, e.stats().badDebt]).toEqual([400, 0]);
    expect(v.cash(e.insuranceFund)).toBe(400);
    expect(conserved(v)).toBe(true);
  });
});
