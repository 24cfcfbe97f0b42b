/**
 * Engine paths outside the backstop vault found wrong in an audit: each test fails on the code
 * before its fix. Two instruments X (100) and Y (50), oracle marks, default margins (10% initial,
 * 5% maintenance), no fees.
 */
import { presets } from "@cascade/liquidation";
import { BUY } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { conserved, engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

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
