/**
 * An open auction's lots are the auction's, not the account's: its own orders (plain ones refused,
 * reduce-only ones capped), its auction takes and its resting orders cannot sell them (or buy back
 * the short a buy auction holds), as a borrower under `whileLiquidating: "free"` keeps trading.
 */
import { BUY, SELL, type Side, Venue } from "@cascade/market";
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
