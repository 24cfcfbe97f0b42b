/**
 * An open auction's lots are the auction's, not the account's: its own orders (plain ones refused,
 * reduce-only ones capped), its auction takes and its resting orders cannot sell them (or buy back
 * the short a buy auction holds), as a borrower under `whileLiquidating: "free"` keeps trading.
 */
import { type AuctionEvent, BUY, SELL, type Side, Venue } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { expectCode, snapshot } from "./venue-helpers.js";

function setup() {
  const v = new Venue({ instruments: [{ symbol: "X", initialPrice: 1000 }] });
  const mm = v.openAccount("mm", { marginExempt: true });
  const borrower = v.openAccount("borrower");
  const keeper = v.openAccount("keeper");
  v.deposit(mm, 1e9);
  v.deposit(borrower, 1_000_000);
  v.deposit(keeper, 1_000_000);
  v.submit({ account: mm, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 1000 });
  v.submit({ account: borrower, instrument: 0, side: BUY, quantity: 10, type: "market" });
  // bids to sell into
  v.submit({ account: mm, instrument: 0, side: BUY, quantity: 100, type: "limit", price: 990 });
  return { v, mm, borrower, keeper };
}

const auction = (seller: number, side: Side, quantity: number) => ({
  seller,
  instrument: 0,
  side,
  quantity,
  startPrice: 1000,
  limitPrice: side === SELL ? 900 : 1100,
  decayPerTick: 0.01,
  durationTicks: 10,
});

describe("an open auction's lots cannot be traded away by the account itself", () => {
  it("refuses the account's own sell of its auctioned lots, naming what it may sell", () => {
    const { v, borrower } = setup();
    v.openAuction(auction(borrower, SELL, 4));
    const before = snapshot(v);
    const e = expectCode(
      () => v.submit({ account: borrower, instrument: 0, side: SELL, quantity: 7, type: "market" }),
      "AUCTIONED_LOTS",
    );
    expect(e.field).toBe("quantity");
    expect(e.value).toBe(7);
    expect(e.message).toContain("at most 6 lots");
    expect(snapshot(v)).toBe(before);
    // the unreserved 6 are its own
    expect(
      v.submit({ account: borrower, instrument: 0, side: SELL, quantity: 6, type: "market" }).filled,
    ).toBe(6);
    expect(v.position(borrower, 0)).toBe(4);
    expect(v.reserved(borrower, 0)).toBe(4);
    expectCode(
      () => v.submit({ account: borrower, instrument: 0, side: SELL, quantity: 1, type: "market" }),
      "AUCTIONED_LOTS",
    );
    expect(v.maxOrderQuantity(borrower, 0, SELL, 990)).toBe(0);
    expect(v.marginAllows(borrower, 0, SELL, 1, 990)).toBe(false);
    // buying more is its own business, and those lots it may sell again
    expect(v.maxOrderQuantity(borrower, 0, BUY, 1000)).toBeGreaterThan(0);
  });

  it("resting sells count: a new sell may not stack on them beyond the unreserved lots", () => {
    const { v, borrower } = setup();
    v.openAuction(auction(borrower, SELL, 4));
    v.submit({ account: borrower, instrument: 0, side: SELL, quantity: 5, type: "limit", price: 1200 });
    expect(v.maxOrderQuantity(borrower, 0, SELL, 1200)).toBe(1);
    expectCode(
      () =>
        v.submit({ account: borrower, instrument: 0, side: SELL, quantity: 2, type: "limit", price: 1200 }),
      "AUCTIONED_LOTS",
    );
    // a reduce-only sell can trade only what the resting plain sell leaves
    expect(v.reducibleQuantity(borrower, 0, SELL)).toBe(1);
  });

  it("opening an auction cuts the seller's resting sells back to the lots it leaves (newest first)", () => {
    const { v, mm, borrower } = setup();
    const older = v.submit({
      account: borrower,
      instrument: 0,
      side: SELL,
      quantity: 5,
      type: "limit",
      price: 1200,
    });
    const newer = v.submit({
      account: borrower,
      instrument: 0,
      side: SELL,
      quantity: 3,
      type: "limit",
      price: 1100,
    });
    v.openAuction(auction(borrower, SELL, 4));
    expect(v.book(0).remaining(older.orderId)).toBe(5);
    expect(v.book(0).remaining(newer.orderId)).toBe(1);
    expect(v.restingQuantity(borrower, 0, SELL)).toBe(6);
    // a buyer lifts them all: the borrower keeps the 4 lots the auction holds
    v.submit({ account: mm, instrument: 0, side: BUY, quantity: 20, type: "limit", price: 1200 });
    expect(v.position(borrower, 0)).toBe(4);
    expect(v.reserved(borrower, 0)).toBe(4);
  });

  it("a buy that would buy back the short a buy auction holds is refused too, and so is a take", () => {
    const { v, mm, borrower, keeper } = setup();
    // the keeper goes short 8; its buy auction holds 5
    v.submit({ account: keeper, instrument: 0, side: SELL, quantity: 8, type: "market" });
    expect(v.position(keeper, 0)).toBe(-8);
    v.openAuction(auction(keeper, BUY, 5));
    v.submit({ account: mm, instrument: 0, side: SELL, quantity: 50, type: "limit", price: 1010 });
    expectCode(
      () => v.submit({ account: keeper, instrument: 0, side: BUY, quantity: 4, type: "market" }),
      "AUCTIONED_LOTS",
    );
    expect(v.submit({ account: keeper, instrument: 0, side: BUY, quantity: 3, type: "market" }).filled).toBe(
      3,
    );
    // another account's sell auction: the keeper may not buy from it the short its own auction holds
    const id = v.openAuction(auction(borrower, SELL, 4));
    const e = expectCode(() => v.takeAuction(id, keeper, 1, 1000), "AUCTIONED_LOTS");
    expect(e.field).toBe("quantity");
    expect(v.position(keeper, 0)).toBe(-5);
    expect(v.reserved(keeper, 0)).toBe(5);
  });
});

describe("a transfer into a position under auction shrinks its auctions to the position", () => {
  it("after a short moved in leaves long 2 under a sell auction of 6, a rebuilt long is not the auction's", () => {
    const { v, mm, borrower, keeper } = setup();
    const id = v.openAuction(auction(borrower, SELL, 6));
    // mm, short the 10 it sold, moves 8 of that short into the borrower's long (as an ADL would)
    expect(v.position(mm, 0)).toBe(-10);
    const events: AuctionEvent[] = [];
    v.auctions$.subscribe((e) => events.push(e));
    v.transferPosition(mm, borrower, 0, -8, 1000, "deleveraged");
    expect(v.position(borrower, 0)).toBe(2);
    // the auction holds only the 2 lots left, and says so
    expect(v.auction(id).remaining).toBe(2);
    expect(v.reserved(borrower, 0)).toBe(2);
    expect(events).toEqual([
      {
        type: "reduced",
        tick: 0,
        auction: { ...v.auction(id) },
        quantity: 4,
        reason: "deleveraged",
      },
    ]);
    // the borrower buys its long back: those 10 lots are its own, the auction still sells 2 at most
    v.submit({ account: mm, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 1000 });
    v.submit({ account: borrower, instrument: 0, side: BUY, quantity: 10, type: "market" });
    expect(v.position(borrower, 0)).toBe(12);
    expect(v.reserved(borrower, 0)).toBe(2);
    expect(v.takeAuction(id, keeper, 6, 1000)).toBe(2);
    expect(v.position(borrower, 0)).toBe(10);
    expect(v.auction(id).status).toBe("filled");
    expect(v.reducibleQuantity(borrower, 0, SELL)).toBe(10);
  });

  it("shrinks the newest auction first and closes one left with nothing", () => {
    const { v, mm, borrower, keeper } = setup();
    const older = v.openAuction(auction(borrower, SELL, 3));
    const newer = v.openAuction(auction(borrower, SELL, 4));
    const events: AuctionEvent[] = [];
    v.auctions$.subscribe((e) => events.push(e));
    // long 10 less 6 moved in short: 4 left, of which the older auction keeps its 3
    v.transferPosition(mm, borrower, 0, -6, 1000, "t");
    expect(v.auction(older).remaining).toBe(3);
    expect(v.auction(newer).remaining).toBe(1);
    expect(events.map((e) => [e.type, e.auction.id, e.type === "reduced" ? e.quantity : 0])).toEqual([
      ["reduced", newer, 3],
    ]);
    // a long flipped to short: both close, newest first, their lots gone
    events.length = 0;
    v.submit({ account: keeper, instrument: 0, side: SELL, quantity: 6, type: "market" });
    v.transferPosition(keeper, borrower, 0, -6, 1000, "t");
    expect(v.position(borrower, 0)).toBe(-2);
    expect(v.reserved(borrower, 0)).toBe(0);
    expect(v.openAuctions()).toEqual([]);
    expect(v.auction(older)).toMatchObject({ remaining: 0, status: "cancelled" });
    expect(v.auction(newer)).toMatchObject({ remaining: 0, status: "cancelled" });
    expect(events.map((e) => [e.type, e.auction.id])).toEqual([
      ["reduced", newer],
      ["closed", newer],
      ["reduced", older],
      ["closed", older],
    ]);
    // a short of its own now: it may buy it back in full, the closed sell auctions hold nothing
    expect(v.reducibleQuantity(borrower, 0, BUY)).toBe(2);
  });
});
