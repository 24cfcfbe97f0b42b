/**
 * A liquidation step of an account whose own auction (opened by its own code or another module
 * with venue.openAuction, not by the engine) sells part of its position. The step cancels it, as it
 * cancels the account's resting orders, so the vault, ADL and each execution deal with every lot.
 * Before, the vault's and ADL's transfers of the whole position and the engine's own auction were
 * refused (INVALID_QUANTITY: the auctioned lots are not the account's to transfer or auction) and
 * the run stopped; a sweep sold the 70 free lots and the next step's sweep of the rest was refused.
 * X at 100, oracle marks, 5% maintenance; A long 100 X on 1,000 of margin, 30 of them under its auction.
 */
import { presets } from "@cascade/liquidation";
import { type AuctionEvent, SELL } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { bid, conserved, engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

function auctioningAccount() {
  const v = twoAssetVenue();
  const mk = maker(v);
  const A = v.openAccount("A");
  v.deposit(A, 1000);
  open(v, A, mk, 0, 100, 100);
  const id = v.openAuction({
    seller: A,
    instrument: 0,
    side: SELL,
    quantity: 30,
    startPrice: 100,
    limitPrice: 60,
    decayPerTick: 0.01,
    durationTicks: 50,
  });
  const events: AuctionEvent[] = [];
  v.auctions$.subscribe((e) => events.push(e));
  return { v, mk, A, id, events };
}

describe("a backstop takeover of an account with an auction the engine did not open", () => {
  for (const [name, policy, mark] of [
    ["backstopVault (bankruptcy price)", presets.backstopVault(), 94],
    [
      "backstopVault (mark price, bounded vault)",
      presets.backstopVault({ price: "mark", capital: 1_000_000 }),
      94,
    ],
    // stepwise: the vault only below 2/3 of maintenance (equity 100 < 2/3 x 455)
    ["stepwise", presets.stepwise(), 91],
  ] as const) {
    it(`${name}: cancels the auction and takes all 100 lots`, () => {
      const { v, A, id, events } = auctioningAccount();
      const e = engineFor(v, policy);
      setMarks(v, [mark, 50]);
      v.advance(1);
      e.check(1);
      const vault = e.backstopVault;
      expect(v.position(A, 0)).toBe(0);
      expect(v.position(vault, 0)).toBe(100);
      expect(v.reserved(A, 0)).toBe(0);
      expect(v.auction(id)).toMatchObject({ status: "cancelled", remaining: 30 });
      expect(v.openAuctions()).toEqual([]);
      expect(events.map((x) => [x.type, x.type === "closed" ? x.reason : ""])).toEqual([
        ["closed", "cancelled"],
      ]);
      const recs = e.records.filter((r) => r.quantity > 0);
      expect(recs.map((r) => [r.account, r.execution, r.quantity])).toEqual([[A, "backstop", 100]]);
      expect(e.stats().backstopDeclined).toBe(0);
      expect(conserved(v)).toBe(true);
    });
  }

  it("leaves an account's auction alone while the account is above its trigger", () => {
    const { v, A, id } = auctioningAccount();
    const e = engineFor(v, presets.stepwise());
    // at 96: equity 600 over maintenance 480
    setMarks(v, [96, 50]);
    v.advance(1);
    e.check(1);
    expect(e.records).toEqual([]);
    expect(v.auction(id)).toMatchObject({ status: "open", remaining: 30 });
    expect(v.reserved(A, 0)).toBe(30);
  });
});

describe("every other liquidation step of an account with an auction the engine did not open", () => {
  // at 94: equity 400 under maintenance 470; the maker bids 200 lots at 93 for the sweeps
  for (const [name, policy] of [
    ["fullClose (market sweep)", presets.fullClose()],
    ["sliced full close", presets.fullClose({ execution: { kind: "sliced", slices: 2, maxSlippage: 0.5 } })],
    ["stepwise above the vault's threshold (a book step)", presets.stepwise()],
  ] as const) {
    it(`${name}: cancels the auction and sells on the book from all 100 lots`, () => {
      const { v, mk, A, id, events } = auctioningAccount();
      bid(v, mk, 0, 200, 93);
      const e = engineFor(v, policy);
      setMarks(v, [94, 50]);
      for (let t = 1; t <= 3; t++) {
        v.advance(t);
        e.check(t);
      }
      expect(v.auction(id)).toMatchObject({ status: "cancelled", remaining: 30 });
      expect(events.map((x) => x.type)).toEqual(["closed"]);
      expect(v.reserved(A, 0)).toBe(0);
      const sold = e.records.reduce((q, r) => q + r.quantity, 0);
      // every lot sold is one the account held, auctioned ones included once cancelled
      expect(sold + v.position(A, 0)).toBe(100);
      expect(sold).toBeGreaterThan(70);
      expect(conserved(v)).toBe(true);
    });
  }

  it("dutchAuction: cancels the account's auction and auctions all 100 lots itself", () => {
    const { v, A, id, events } = auctioningAccount();
    const e = engineFor(v, presets.dutchAuction());
    setMarks(v, [94, 50]);
    v.advance(1);
    e.check(1);
    expect(v.auction(id)).toMatchObject({ status: "cancelled", remaining: 30 });
    expect(events.map((x) => [x.type, x.auction.seller, x.auction.quantity])).toEqual([
      ["closed", A, 30],
      ["opened", A, 100],
    ]);
    expect(v.reserved(A, 0)).toBe(100);
    expect(conserved(v)).toBe(true);
  });

  it("ADL with the fund empty: cancels the auction and deleverages all 100 lots", () => {
    const { v, mk, A, id } = auctioningAccount();
    const e = engineFor(v, presets.fullClose({ insuranceFund: 0, whenFundEmpty: "adl" }));
    // at 85: equity 1,000 - 1,500 = -500 (bankrupt); the maker, short 100 from 100, is in profit
    setMarks(v, [85, 50]);
    v.advance(1);
    e.check(1);
    expect(v.auction(id)).toMatchObject({ status: "cancelled", remaining: 30 });
    expect(v.position(A, 0)).toBe(0);
    expect(v.position(mk, 0)).toBe(0);
    expect(e.records.filter((r) => r.execution === "adl").reduce((q, r) => q + r.quantity, 0)).toBe(100);
    expect(conserved(v)).toBe(true);
  });
});
