/**
 * Engine paths outside the backstop vault found wrong in an audit: each test fails on the code
 * before its fix. Two instruments X (100) and Y (50), oracle marks, default margins (10% initial,
 * 5% maintenance), no fees.
 */
import { presets } from "@cascade/liquidation";
import { BUY, SELL } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { bid, conserved, engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

describe("ADL against an account whose lots are in its own liquidation auction", () => {
  test("takes only the counterparty's unreserved lots: the auctioned short stays whole", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    // S: short 10 X (gains as X falls) but long 40 Y (loses more): liquidated by auction
    const S = v.openAccount("S");
    v.deposit(S, 400);
    open(v, S, mk, 0, -10, 100);
    open(v, S, mk, 1, 40, 50);
    // T: short 10 X, healthy
    const T = v.openAccount("T");
    v.deposit(T, 200);
    open(v, T, mk, 0, -10, 100);
    // L: long 10 X on 100 of margin: bankrupt at 85
    const L = v.openAccount("L");
    v.deposit(L, 100);
    open(v, L, mk, 0, 10, 100);
    const e = engineFor(v, presets.dutchAuction({ whenFundEmpty: "adl", durationTicks: 5 }));
    setMarks(v, [85, 38]);
    v.advance(1);
    e.check(1); // S (lower id) opens its auctions first, then L is deleveraged
    expect(e.records.filter((r) => r.account === S)).toEqual([]);
    expect(v.openAuctions().filter((au) => au.seller === S && au.instrument === 0)).toHaveLength(1);
    // S ranks first (higher leverage), but its 10 X are held by its BUY auction
    expect(v.position(S, 0)).toBe(-10);
    expect(v.reserved(S, 0)).toBe(10);
    expect(v.reducibleQuantity(S, 0, BUY)).toBe(0);
    // the lots went to T, the next profitable short
    expect(v.position(T, 0)).toBe(0);
    expect(v.position(L, 0)).toBe(0);
    const adl = e.records.filter((r) => r.execution === "adl");
    expect(adl.map((r) => [r.account, r.quantity, r.price])).toEqual([[L, 10, 85]]);
    expect(conserved(v)).toBe(true);
  });
});

describe("a margin-called account that closes its own positions into a deficit", () => {
  test("its deficit goes down the waterfall (here the insurance fund), on a settlement record", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 100);
    open(v, a, mk, 0, 10, 100); // cash -900
    const e = engineFor(v, presets.fullClose({ insuranceFund: 500 }));
    setMarks(v, [94, 50]); // equity 40 < maintenance 47
    bid(v, mk, 0, 10, 80); // the only bid, below the sweep's 5% bound
    v.advance(1);
    e.check(1);
    expect(e.stats().marginCalls).toBe(1);
    expect(e.records).toEqual([]); // nothing filled within the bound
    // the account's own market order sells at 80: flat, 100 short of its debt
    v.advance(2);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "market", reduceOnly: true });
    expect(v.position(a, 0)).toBe(0);
    expect(v.cash(a)).toBe(-100);
    e.check(2);
    const s = e.stats();
    expect(s.badDebt).toBe(100);
    expect(s.insuranceDraw).toBe(100);
    expect(s.unrecoveredDebt).toBe(0);
    expect(v.cash(a)).toBe(0);
    expect(v.cash(e.insuranceFund)).toBe(400);
    expect(s.liquidations).toBe(0); // a settlement record is not a liquidation trade
    expect(e.records.map((r) => [r.account, r.instrument, r.quantity, r.badDebt, r.execution])).toEqual([
      [a, -1, 0, 100, "marketSweep"],
    ]);
    // booked once: later checks find it flat at 0 and leave it
    v.advance(3);
    e.check(3);
    expect(e.stats().badDebt).toBe(100);
    expect(conserved(v)).toBe(true);
  });

  test("what the fund cannot cover stays its negative cash, booked once as unrecovered debt", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 100);
    open(v, a, mk, 0, 10, 100);
    const e = engineFor(v, presets.fullClose({ insuranceFund: 30 }));
    setMarks(v, [94, 50]);
    bid(v, mk, 0, 10, 80);
    v.advance(1);
    e.check(1);
    v.advance(2);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "market", reduceOnly: true });
    e.check(2);
    // the fund's transfer marks the account for a recheck at 3: flat, 70 short, nothing more booked
    v.advance(3);
    e.check(3);
    const s = e.stats();
    expect([s.badDebt, s.insuranceDraw, s.unrecoveredDebt]).toEqual([100, 30, 70]);
    expect(v.cash(a)).toBe(-70);
    expect(e.records.reduce((x, r) => x + r.badDebt, 0)).toBe(100);
  });

  test("a deficit the engine's own sweep left is not booked again when the account is rechecked", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("A");
    v.deposit(a, 100);
    open(v, a, mk, 0, 10, 100);
    const e = engineFor(v, presets.fullClose({ insuranceFund: 10, penaltyRate: 0 }));
    setMarks(v, [91, 50]); // equity 10 < maintenance 45.5
    bid(v, mk, 0, 10, 87); // within the 5% bound: sold at 87, 30 short
    v.advance(1);
    e.check(1);
    expect(v.position(a, 0)).toBe(0);
    // the fund's transfer marks the account for a recheck at 2
    v.advance(2);
    e.check(2);
    const s = e.stats();
    expect([s.badDebt, s.insuranceDraw, s.unrecoveredDebt]).toEqual([30, 10, 20]);
    expect(v.cash(a)).toBe(-20);
  });
});
