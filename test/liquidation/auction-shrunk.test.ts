/**
 * A transfer into a position under the engine's Dutch auction (another venue's ADL, a hand-built
 * transfer: the engine's own ADL takes only lots no auction holds) shrinks the auction to the
 * position. The engine sees the venue's result: a keeper takes no more than the lots left to the
 * auction, and an auction left with nothing closes, so the account's liquidation ends.
 * X at 100, oracle marks, 5% maintenance.
 */
import { presets } from "@cascade/liquidation";
import { BUY, SELL } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { conserved, engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

function underAuction(whileLiquidating: "free" | "frozen") {
  const v = twoAssetVenue();
  const mk = maker(v);
  // A: long 100 X on 1,000 of margin; at 94 its equity 400 < maintenance 470
  const A = v.openAccount("A", { marginExempt: true });
  v.deposit(A, 1000);
  open(v, A, mk, 0, 100, 100);
  // O: short 100 X, the position a transfer moves into A's long
  const O = v.openAccount("O", { marginExempt: true });
  v.deposit(O, 1_000_000);
  open(v, O, mk, 0, -100, 100);
  const e = engineFor(v, presets.dutchAuction({ durationTicks: 5, whileLiquidating }));
  setMarks(v, [94, 50]);
  v.advance(1);
  e.check(1);
  expect(v.openAuctions().map((au) => [au.seller, au.instrument, au.side, au.remaining])).toEqual([
    [A, 0, SELL, 100],
  ]);
  return { v, mk, A, O, e };
}

describe("a transfer into a position under the engine's auction", () => {
  it("leaves the auction only the lots left: a long the account rebuilds is not taken", () => {
    const { v, mk, A, O, e } = underAuction("free");
    v.transferPosition(O, A, 0, -60, 94, "deleveraged elsewhere");
    expect(v.position(A, 0)).toBe(40);
    expect(v.openAuctions()[0].remaining).toBe(40);
    // trading while liquidated, A buys its 60 back
    open(v, A, mk, 0, 60, 94);
    expect(v.position(A, 0)).toBe(100);
    const K = v.openAccount("keeper", { marginExempt: true });
    v.deposit(K, 1_000_000);
    v.advance(2);
    const id = v.openAuctions()[0].id;
    expect(v.takeAuction(id, K, 100, 1_000)).toBe(40);
    expect(v.position(A, 0)).toBe(60);
    e.check(2);
    const takes = e.records.filter((r) => r.execution === "dutchAuction" && r.quantity > 0);
    expect(takes.map((r) => [r.account, r.quantity])).toEqual([[A, 40]]);
    expect(conserved(v)).toBe(true);
  });

  it("falls back at expiry with the lots left, not the lots it opened with; the account is then released", () => {
    const { v, mk, A, O, e } = underAuction("frozen");
    v.transferPosition(O, A, 0, -60, 94, "deleveraged elsewhere");
    expect(v.openAuctions()[0].remaining).toBe(40);
    v.submit({ account: mk, instrument: 0, side: BUY, quantity: 100, type: "limit", price: 90 });
    v.advance(2);
    e.check(2);
    expect(v.isFrozen(A)).toBe(true);
    // no keeper: the auction expires at tick 7 (opened for ticks 2..6) and its 40 go to the book
    v.advance(7);
    e.check(7);
    expect(v.auction(1)).toMatchObject({ status: "expired", remaining: 40 });
    const closes = e.records.filter((r) => r.account === A && r.quantity > 0);
    expect(closes.map((r) => [r.execution, r.quantity, r.price])).toEqual([["marketSweep", 40, 90]]);
    expect(v.position(A, 0)).toBe(0);
    expect(v.restingQuantity(mk, 0, BUY)).toBe(60);
    expect(v.isFrozen(A)).toBe(false);
    expect(conserved(v)).toBe(true);
  });

  it("closes an auction left with nothing: the flat account is released, nothing falls back to the book", () => {
    const { v, A, O, e } = underAuction("frozen");
    expect(v.isFrozen(A)).toBe(true);
    v.transferPosition(O, A, 0, -100, 94, "deleveraged elsewhere");
    expect(v.position(A, 0)).toBe(0);
    expect(v.openAuctions()).toEqual([]);
    expect(v.auction(1)).toMatchObject({ remaining: 0, status: "cancelled" });
    v.advance(2);
    e.check(2);
    expect(v.isFrozen(A)).toBe(false);
    // past the auction's expiry: no fallback sweep, no record of the lots the transfer took
    v.advance(7);
    e.check(7);
    expect(e.records.filter((r) => r.account === A && r.quantity > 0)).toEqual([]);
    expect(v.cash(A)).toBe(400);
    expect(conserved(v)).toBe(true);
  });
});
