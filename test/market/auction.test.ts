import { type AuctionEvent, BUY, dutchPrice, SELL, type Side, Venue } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { expectCode, snapshot } from "./venue-helpers.js";

function setup() {
  const v = new Venue({
    instruments: [{ symbol: "X", initialPrice: 1000, contractValue: 2 }],
    fees: { makerBps: 5, takerBps: 10 },
  });
  const mm = v.openAccount("mm", { marginExempt: true });
  const seller = v.openAccount("seller");
  const k1 = v.openAccount("keeper1");
  const k2 = v.openAccount("keeper2");
  v.deposit(mm, 100_000_000);
  v.deposit(seller, 1_000_000);
  v.deposit(k1, 200_000);
  v.deposit(k2, 5_000);
  v.submit({ account: mm, instrument: 0, side: SELL, quantity: 100, type: "limit", price: 1000 });
  v.submit({ account: seller, instrument: 0, side: BUY, quantity: 100, type: "market" });
  const events: AuctionEvent[] = [];
  v.auctions$.subscribe((e) => events.push(e));
  return { v, mm, seller, k1, k2, events };
}

describe("Dutch auctions", () => {
  it("price decays per tick toward the limit, rounded to ticks", () => {
    const spec = {
      seller: 0,
      instrument: 0,
      side: SELL as Side,
      quantity: 1,
      startPrice: 1000,
      limitPrice: 900,
      decayPerTick: 0.02,
      durationTicks: 50,
    };
    expect([0, 1, 2, 3, 5, 6, 100].map((k) => dutchPrice(spec, k))).toEqual([
      1000, 980, 960, 941, 904, 900, 900,
    ]);
    const buy = { ...spec, side: BUY as Side, limitPrice: 1100 };
    expect([0, 1, 2, 4, 5, 9].map((k) => dutchPrice(buy, k))).toEqual([1000, 1020, 1040, 1082, 1100, 1100]);
  });

  it("startTick: the schedule and the duration run from it; before it the start price holds", () => {
    const { v, seller, k1 } = setup();
    v.advance(10);
    const spec = {
      seller,
      instrument: 0,
      side: SELL as Side,
      quantity: 30,
      startPrice: 1000,
      limitPrice: 900,
      decayPerTick: 0.02,
      durationTicks: 3,
    };
    expectCode(() => v.openAuction({ ...spec, startTick: 9 }), "INVALID_CONFIG");
    expectCode(() => v.openAuction({ ...spec, startTick: 10.5 }), "INVALID_CONFIG");
    const id = v.openAuction({ ...spec, startTick: 11 });
    expect(v.auction(id).startTick).toBe(11);
    expect(v.auctionPrice(id)).toBe(1000); // at 10, before the start
    const prices: number[] = [];
    for (let t = 11; t <= 14; t++) {
      v.advance(t);
      if (v.auction(id).status === "open") prices.push(v.auctionPrice(id));
    }
    expect(prices).toEqual([1000, 980, 960]); // offered at 11, 12, 13; expired at 14
    expect(v.auction(id).status).toBe("expired");
    expectCode(() => v.takeAuction(id, k1, 1, 1000), "AUCTION_CLOSED");
    // without startTick: the schedule starts when opened
    const id2 = v.openAuction(spec);
    expect(v.auction(id2).startTick).toBe(14);
  });

  it("partial takes move position and cash exactly; the auction fills and closes", () => {
    const { v, seller, k1, events } = setup();
    v.advance(10);
    const id = v.openAuction({
      seller,
      instrument: 0,
      side: SELL,
      quantity: 30,
      startPrice: 1000,
      limitPrice: 900,
      decayPerTick: 0.02,
      durationTicks: 20,
      tag: 77,
    });
    expect(v.reserved(seller, 0)).toBe(30);
    v.advance(12);
    expect(v.auctionPrice(id)).toBe(960);
    expect(v.takeAuction(id, k1, 10, 950)).toBe(0); // price 960 worse than the keeper's 950
    expect(v.takeAuction(id, k1, 10, 960)).toBe(10);
    expect(v.position(k1, 0)).toBe(10);
    expect(v.position(seller, 0)).toBe(90);
    expect(v.cash(k1)).toBe(200_000 - 10 * 960 * 2);
    expect(v.cash(seller)).toBe(1_000_000 - 100 * 1000 * 2 - 200 + 10 * 960 * 2); // taker fee 200 on the opening trade
    expect(v.reserved(seller, 0)).toBe(20);
    expect(v.auction(id).remaining).toBe(20);
    v.advance(13);
    expect(v.takeAuction(id, k1, 50, 1000)).toBe(20); // at 941
    expect(v.auction(id).status).toBe("filled");
    expect(v.reserved(seller, 0)).toBe(0);
    expect(v.openAuctions()).toEqual([]);
    expect(v.costBasis(k1, 0)).toBe(10 * 960 * 2 + 20 * 941 * 2);
    expect(v.totalCash()).toBe(v.totalDeposits);
    expect(v.totalPosition(0)).toBe(0);
    expect(
      events.map((e) => [
        e.type,
        e.tick,
        e.auction.remaining,
        e.type === "taken" ? e.price : e.type === "closed" ? e.reason : e.auction.tag,
      ]),
    ).toEqual([
      ["opened", 10, 30, 77],
      ["taken", 12, 20, 960],
      ["taken", 13, 0, 941],
      ["closed", 13, 0, "filled"],
    ]);
    expectCode(() => v.takeAuction(id, k1, 1, 2000), "AUCTION_CLOSED");
  });

  it("the auctioned quantity is reserved: it cannot be auctioned, reduce-only sold or transferred twice", () => {
    const { v, mm, seller, k1 } = setup();
    v.openAuction({
      seller,
      instrument: 0,
      side: SELL,
      quantity: 70,
      startPrice: 1000,
      limitPrice: 900,
      decayPerTick: 0.01,
      durationTicks: 5,
    });
    const before = snapshot(v);
    expectCode(
      () =>
        v.openAuction({
          seller,
          instrument: 0,
          side: SELL,
          quantity: 31,
          startPrice: 1000,
          limitPrice: 900,
          decayPerTick: 0.01,
          durationTicks: 5,
        }),
      "INVALID_QUANTITY",
    );
    expectCode(() => v.transferPosition(seller, k1, 0, 31, 1000, "x"), "INVALID_QUANTITY");
    expect(snapshot(v)).toBe(before);
    const r = v.submit({
      account: seller,
      instrument: 0,
      side: SELL,
      quantity: 100,
      type: "limit",
      price: 1200,
      reduceOnly: true,
    });
    expect(r.resting).toBe(30);
    // a new reduce-only order is capped at the unreserved 30; it fills, and the older resting one is trimmed away
    v.submit({ account: mm, instrument: 0, side: BUY, quantity: 100, type: "limit", price: 990 });
    expect(
      v.submit({
        account: seller,
        instrument: 0,
        side: SELL,
        quantity: 100,
        type: "market",
        reduceOnly: true,
      }).filled,
    ).toBe(30);
    expect(v.position(seller, 0)).toBe(70);
    expect(v.book(0).has(r.orderId)).toBe(false);
    expect(v.openOrders(seller)).toEqual([]);
    expectCode(
      () =>
        v.submit({
          account: seller,
          instrument: 0,
          side: SELL,
          quantity: 1,
          type: "market",
          reduceOnly: true,
        }),
      "REDUCE_ONLY",
    );
  });

  it("expires in advance(), cancels, and rejects bad input without changing anything", () => {
    const { v, seller, k1, events } = setup();
    const id = v.openAuction({
      seller,
      instrument: 0,
      side: SELL,
      quantity: 10,
      startPrice: 1000,
      limitPrice: 990,
      decayPerTick: 0.01,
      durationTicks: 3,
    });
    const id2 = v.openAuction({
      seller,
      instrument: 0,
      side: SELL,
      quantity: 10,
      startPrice: 1000,
      limitPrice: 990,
      decayPerTick: 0.01,
      durationTicks: 30,
    });
    v.advance(2);
    expect(v.takeAuction(id, k1, 1, 1000)).toBe(1);
    const before = snapshot(v);
    expectCode(() => v.takeAuction(99, k1, 1, 1000), "UNKNOWN_AUCTION");
    expectCode(() => v.takeAuction(id, 42, 1, 1000), "UNKNOWN_ACCOUNT");
    expectCode(() => v.takeAuction(id, seller, 1, 1000), "SELF_TRADE");
    expectCode(() => v.takeAuction(id, k1, 0, 1000), "INVALID_QUANTITY");
    expectCode(() => v.takeAuction(id, k1, 1.5, 1000), "INVALID_QUANTITY");
    expectCode(() => v.takeAuction(id, k1, 1, Number.NaN), "INVALID_PRICE");
    expectCode(
      () =>
        v.openAuction({
          seller,
          instrument: 0,
          side: SELL,
          quantity: 1,
          startPrice: 1000,
          limitPrice: 1001,
          decayPerTick: 0.01,
          durationTicks: 3,
        }),
      "INVALID_PRICE",
    );
    expectCode(
      () =>
        v.openAuction({
          seller,
          instrument: 0,
          side: BUY,
          quantity: 1,
          startPrice: 1000,
          limitPrice: 1001,
          decayPerTick: 0.01,
          durationTicks: 3,
        }),
      "INVALID_QUANTITY",
    );
    expectCode(
      () =>
        v.openAuction({
          seller,
          instrument: 0,
          side: SELL,
          quantity: 1,
          startPrice: 1000,
          limitPrice: 900,
          decayPerTick: 1,
          durationTicks: 3,
        }),
      "INVALID_CONFIG",
    );
    expect(snapshot(v)).toBe(before);
    v.advance(3);
    expect(v.auction(id).status).toBe("expired");
    expect(v.auction(id).remaining).toBe(9);
    expectCode(() => v.takeAuction(id, k1, 1, 1000), "AUCTION_CLOSED");
    v.cancelAuction(id2);
    expect(v.auction(id2).status).toBe("cancelled");
    expectCode(() => v.cancelAuction(id2), "AUCTION_CLOSED");
    expect(v.reserved(seller, 0)).toBe(0);
    expect(
      events
        .filter((e) => e.type === "closed")
        .map((e) => (e.type === "closed" ? [e.auction.id, e.reason] : [])),
    ).toEqual([
      [id, "expired"],
      [id2, "cancelled"],
    ]);
  });

  it("bidders must pass the initial-margin check; BUY auctions move shorts", () => {
    const { v, mm, k2 } = setup();
    // mm sells 50 more to build a short it auctions off with a rising price
    const shorty = v.openAccount("short", { marginExempt: true });
    v.deposit(shorty, 1_000_000);
    v.submit({ account: mm, instrument: 0, side: BUY, quantity: 50, type: "limit", price: 1000 });
    v.submit({ account: shorty, instrument: 0, side: SELL, quantity: 50, type: "market" });
    const id = v.openAuction({
      seller: shorty,
      instrument: 0,
      side: BUY,
      quantity: 50,
      startPrice: 1000,
      limitPrice: 1100,
      decayPerTick: 0.01,
      durationTicks: 10,
    });
    v.advance(1);
    expect(v.auctionPrice(id)).toBe(1010);
    // keeper2 has 5000: taking a short of q at 1010 with mark 1000 gains 20 q; initial 0.1 * 2000 q: q <= 5000 / 180
    const before = snapshot(v);
    const e = expectCode(() => v.takeAuction(id, k2, 50, 1010), "INSUFFICIENT_MARGIN");
    expect(e.message).toContain("at most 27 lots");
    expect(snapshot(v)).toBe(before);
    expect(v.takeAuction(id, k2, 27, 1005)).toBe(27); // BUY auction: price 1010 >= 1005
    expect(v.position(k2, 0)).toBe(-27);
    expect(v.position(shorty, 0)).toBe(-23);
    expect(v.cash(k2)).toBe(5_000 + 27 * 1010 * 2);
    expect(v.totalCash()).toBe(v.totalDeposits);
  });
});

describe("advance() from inside a venue callback", () => {
  it("throws REENTRANT_ORDER and leaves the open auctions and reservations intact", () => {
    const { v, seller, k1 } = setup();
    const spec = {
      seller,
      instrument: 0,
      side: SELL as Side,
      startPrice: 1000,
      limitPrice: 900,
      decayPerTick: 0.01,
    };
    const a1 = v.openAuction({ ...spec, quantity: 10, durationTicks: 1 });
    const a2 = v.openAuction({ ...spec, quantity: 20, durationTicks: 10 });
    const errors: unknown[] = [];
    const sub = v.auctions$.subscribe((e) => {
      if (e.type !== "taken") return;
      try {
        v.advance(v.tick + 1); // would expire a1 in the middle of its take
      } catch (err) {
        errors.push((err as { code?: string }).code);
      }
    });
    expect(v.takeAuction(a1, k1, 10, 1000)).toBe(10);
    sub.unsubscribe();
    expect(errors).toEqual(["REENTRANT_ORDER"]);
    expect(v.tick).toBe(0);
    expect(v.auction(a1).status).toBe("filled");
    // a2 is still open, still reserves its 20 lots, and expires on schedule
    expect(v.openAuctions().map((a) => a.id)).toEqual([a2]);
    expect(v.reserved(seller, 0)).toBe(20);
    v.advance(10);
    expect(v.auction(a2).status).toBe("expired");
    expect(v.reserved(seller, 0)).toBe(0);
    expect(v.openAuctions()).toEqual([]);
  });

  it("openAuctionsInto copies the openAuctions() snapshot into reused objects and returns the count", () => {
    const { v, seller, k1 } = setup();
    const spec = {
      seller,
      instrument: 0,
      side: SELL as Side,
      quantity: 10,
      startPrice: 1000,
      limitPrice: 900,
      decayPerTick: 0.02,
      durationTicks: 50,
    };
    const a1 = v.openAuction(spec);
    const a2 = v.openAuction({ ...spec, quantity: 20 });
    const out: ReturnType<Venue["openAuctions"]>[number][] = [];
    expect(v.openAuctionsInto(out)).toBe(2);
    expect(out).toEqual(v.openAuctions());
    const [first, second] = out;
    // A copy: writing to it leaves the venue's auction alone.
    first.remaining = 0;
    expect(v.auction(a1).remaining).toBe(10);
    v.takeAuction(a1, k1, 10, 1000);
    v.takeAuction(a2, k1, 5, 1000);
    expect(v.openAuctionsInto(out)).toBe(1);
    // The same objects, refilled: no allocation once the array is long enough.
    expect(out[0]).toBe(first);
    expect(out[1]).toBe(second);
    expect(out[0]).toEqual(v.openAuctions()[0]);
    expect(out[0]).toMatchObject({ id: a2, remaining: 15, status: "open" });
  });
});
