/**
 * A backstop takeover of an account whose own auction (opened by its own code or another module
 * with venue.openAuction, not by the engine) sells part of its position. The vault takes the
 * whole portfolio, as its capital check priced it: the auction, the account's own sale like a
 * resting order, is cancelled first. Before, the transfer of the whole position was refused
 * (INVALID_QUANTITY: the auctioned lots are not the account's to transfer) and the run stopped.
 * X at 100, oracle marks, 5% maintenance; A long 100 X on 1,000 of margin, 30 of them under its auction.
 */
import { presets } from "@cascade/liquidation";
import { type AuctionEvent, SELL } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { conserved, engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

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
  return { v, A, id, events };
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

  it("leaves an account's auction alone while the account stays above the vault's threshold", () => {
    const { v, A, id } = auctioningAccount();
    // stepwise at 94: below maintenance (400 < 470) but above 2/3 of it: a book step, no vault
    const e = engineFor(v, presets.stepwise());
    setMarks(v, [94, 50]);
    v.advance(1);
    e.check(1);
    expect(e.records.some((r) => r.execution === "backstop")).toBe(false);
    expect(v.auction(id)).toMatchObject({ status: "open", remaining: 30 });
    expect(v.reserved(A, 0)).toBe(30);
  });
});
