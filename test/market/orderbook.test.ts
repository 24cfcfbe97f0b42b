import { describe, expect, it } from "vitest";
import { CascadeError } from "../../packages/core/src/errors.js";
import {
  BUY,
  CANCEL_POST_ONLY,
  CANCEL_REDUCE_ONLY,
  CANCEL_SELF_TRADE,
  CANCEL_UNFILLED,
  CANCEL_USER,
  IOC,
  OrderBook,
  POST_ONLY,
  SELL,
} from "../../packages/market/src/orderbook.js";
import { recorder, snapshotBook } from "./reference-book.js";

function setup(minPrice = 90, maxPrice = 110) {
  const rec = recorder();
  const book = new OrderBook({ minPrice, maxPrice, listener: rec });
  return { book, rec, ev: rec.events };
}

describe("OrderBook: matching", () => {
  it("starts empty", () => {
    const { book } = setup();
    expect(book.bestBid()).toBe(0);
    expect(book.bestAsk()).toBe(0);
    expect(book.mid()).toBeNaN();
    expect(book.spread()).toBeNaN();
    expect(book.orderCount()).toBe(0);
    expect(book.depthWithin(BUY, 0.1)).toBe(0);
    expect(book.minPrice).toBe(90);
    expect(book.maxPrice).toBe(110);
  });

  it("rests non-crossing orders and reports best, mid, spread, levels", () => {
    const { book, ev } = setup();
    expect(book.limit(1, 10, BUY, 99, 5)).toBe(0);
    expect(book.limit(2, 11, BUY, 98, 7)).toBe(0);
    expect(book.limit(3, 12, SELL, 101, 4)).toBe(0);
    expect(book.limit(4, 12, SELL, 101, 6)).toBe(0);
    expect(ev).toEqual([
      ["rest", 1, 10, BUY, 99, 5],
      ["rest", 2, 11, BUY, 98, 7],
      ["rest", 3, 12, SELL, 101, 4],
      ["rest", 4, 12, SELL, 101, 6],
    ]);
    expect(book.bestBid()).toBe(99);
    expect(book.bestAsk()).toBe(101);
    expect(book.mid()).toBe(100);
    expect(book.spread()).toBe(2);
    expect(book.volumeAt(SELL, 101)).toBe(10);
    expect(book.volumeAt(BUY, 101)).toBe(0);
    expect(book.volumeAt(BUY, 98)).toBe(7);
    expect(book.volumeAt(BUY, 1000)).toBe(0);
    expect(book.levelCount(BUY)).toBe(2);
    expect(book.levelCount(SELL)).toBe(1);
    expect(book.totalQuantity(BUY)).toBe(12);
    expect(book.totalQuantity(SELL)).toBe(10);
    expect(book.orderCount()).toBe(4);
    expect(book.ordersAt(SELL, 101)).toBe(2);
    expect(book.has(3)).toBe(true);
    expect(book.remaining(3)).toBe(4);
    expect(book.orderPrice(2)).toBe(98);
    expect(book.orderSide(2)).toBe(BUY);
    expect(book.orderOwner(2)).toBe(11);
  });

  it("fills partially across levels at the makers' prices, FIFO within a level", () => {
    const { book, ev } = setup();
    book.limit(1, 1, SELL, 101, 3);
    book.limit(2, 2, SELL, 101, 4);
    book.limit(3, 3, SELL, 102, 5);
    book.limit(4, 4, SELL, 104, 9);
    ev.length = 0;
    // buy 10 @ 103: takes 3 + 4 @101, then 3 of 5 @102; nothing at 104 (above limit); remainder 0
    expect(book.limit(10, 9, BUY, 103, 10)).toBe(10);
    expect(ev).toEqual([
      ["fill", 1, 1, 10, 9, BUY, 101, 3, 0],
      ["fill", 2, 2, 10, 9, BUY, 101, 4, 0],
      ["fill", 3, 3, 10, 9, BUY, 102, 3, 2],
    ]);
    expect(book.bestAsk()).toBe(102);
    expect(book.remaining(3)).toBe(2);
    expect(book.has(1)).toBe(false);
    expect(book.remaining(1)).toBe(0);
    expect(book.orderCount()).toBe(2);
    // buy 20 @ 103 takes the last 2 @102 and rests 18 @103
    ev.length = 0;
    expect(book.limit(11, 9, BUY, 103, 20)).toBe(2);
    expect(ev).toEqual([
      ["fill", 3, 3, 11, 9, BUY, 102, 2, 0],
      ["rest", 11, 9, BUY, 103, 18],
    ]);
    expect(book.bestBid()).toBe(103);
    expect(book.bestAsk()).toBe(104);
    expect(book.levelCount(SELL)).toBe(1);
    expect(book.totalQuantity(SELL)).toBe(9);
  });

  it("a sell sweeps bids best (highest) first", () => {
    const { book, ev } = setup();
    book.limit(1, 1, BUY, 95, 5);
    book.limit(2, 2, BUY, 97, 5);
    book.limit(3, 3, BUY, 96, 5);
    ev.length = 0;
    expect(book.limit(4, 4, SELL, 96, 12)).toBe(10);
    expect(ev).toEqual([
      ["fill", 2, 2, 4, 4, SELL, 97, 5, 0],
      ["fill", 3, 3, 4, 4, SELL, 96, 5, 0],
      ["rest", 4, 4, SELL, 96, 2],
    ]);
    expect(book.bestBid()).toBe(95);
    expect(book.bestAsk()).toBe(96);
  });

  it("IOC cancels its remainder", () => {
    const { book, ev } = setup();
    book.limit(1, 1, SELL, 100, 3);
    book.limit(2, 1, SELL, 101, 3);
    ev.length = 0;
    expect(book.limit(3, 2, BUY, 100, 5, IOC)).toBe(3);
    expect(ev).toEqual([
      ["fill", 1, 1, 3, 2, BUY, 100, 3, 0],
      ["cancel", 3, 2, BUY, 100, 2, CANCEL_UNFILLED],
    ]);
    expect(book.has(3)).toBe(false);
    expect(book.bestBid()).toBe(0);
    expect(book.bestAsk()).toBe(101);
  });

  it("post-only that would cross is not placed at all; otherwise it rests", () => {
    const { book, ev } = setup();
    book.limit(1, 1, SELL, 100, 3);
    ev.length = 0;
    expect(book.limit(2, 2, BUY, 100, 5, POST_ONLY)).toBe(0);
    expect(ev).toEqual([["cancel", 2, 2, BUY, 100, 5, CANCEL_POST_ONLY]]);
    expect(book.has(2)).toBe(false);
    expect(book.remaining(1)).toBe(3);
    ev.length = 0;
    expect(book.limit(4, 2, BUY, 99, 5, POST_ONLY)).toBe(0);
    expect(ev).toEqual([["rest", 4, 2, BUY, 99, 5]]);
    expect(book.bestBid()).toBe(99);
    // sell side: crossing the best bid is rejected, above it rests
    ev.length = 0;
    expect(book.limit(5, 3, SELL, 99, 2, POST_ONLY)).toBe(0);
    expect(book.limit(6, 3, SELL, 98, 2, POST_ONLY)).toBe(0);
    expect(book.limit(7, 3, SELL, 100, 2, POST_ONLY)).toBe(0);
    expect(ev).toEqual([
      ["cancel", 5, 3, SELL, 99, 2, CANCEL_POST_ONLY],
      ["cancel", 6, 3, SELL, 98, 2, CANCEL_POST_ONLY],
      ["rest", 7, 3, SELL, 100, 2],
    ]);
    expect(book.volumeAt(SELL, 100)).toBe(5);
    expect(book.remaining(4)).toBe(5);
  });

  it("post-only is refused only if it would take liquidity: its owner's crossing orders are cancelled", () => {
    const { book, ev } = setup();
    book.limit(1, 1, SELL, 100, 3);
    book.limit(2, 1, SELL, 101, 2);
    book.limit(3, 2, SELL, 102, 4);
    ev.length = 0;
    // owner 1's buy at 101 crosses only its own asks: self-trade prevention cancels them (as for a
    // taker) and it rests; it used to be refused as if it took liquidity
    expect(book.limit(4, 1, BUY, 101, 5, POST_ONLY)).toBe(0);
    expect(ev).toEqual([
      ["cancel", 1, 1, SELL, 100, 3, CANCEL_SELF_TRADE],
      ["cancel", 2, 1, SELL, 101, 2, CANCEL_SELF_TRADE],
      ["rest", 4, 1, BUY, 101, 5],
    ]);
    expect([book.bestBid(), book.bestAsk(), book.has(1), book.has(2)]).toEqual([101, 102, false, false]);
    // owner 1's own bid 101 and owner 3's bid 100 rest; owner 1 selling post-only at 100 would trade
    // with owner 3 behind its own order: refused, nothing cancelled
    book.limit(5, 3, BUY, 100, 1);
    const before = snapshotBook(book);
    ev.length = 0;
    expect(book.limit(6, 1, SELL, 100, 2, POST_ONLY)).toBe(0);
    expect(ev).toEqual([["cancel", 6, 1, SELL, 100, 2, CANCEL_POST_ONLY]]);
    expect(snapshotBook(book)).toEqual(before);
  });

  it("post-only rests over a reduce-only order that can no longer fill, and is refused by one that can", () => {
    const positions = new Map([[7, 4]]); // owner 7 is long 4
    const rec = recorder(positions);
    const book = new OrderBook({ minPrice: 90, maxPrice: 110, listener: rec });
    book.limit(1, 7, SELL, 100, 4, 0, true);
    rec.events.length = 0;
    // it can still sell 4: a post-only buy at 100 would take it
    expect(book.limit(2, 8, BUY, 100, 1, POST_ONLY)).toBe(0);
    expect(rec.events).toEqual([["cancel", 2, 8, BUY, 100, 1, CANCEL_POST_ONLY]]);
    // its position gone (elsewhere), the order cannot trade: cut to nothing, and the bid rests
    positions.set(7, 0);
    rec.events.length = 0;
    expect(book.limit(3, 8, BUY, 100, 1, POST_ONLY)).toBe(0);
    expect(rec.events).toEqual([
      ["cancel", 1, 7, SELL, 100, 4, CANCEL_REDUCE_ONLY],
      ["rest", 3, 8, BUY, 100, 1],
    ]);
    expect([book.bestBid(), book.bestAsk(), book.has(1)]).toEqual([100, 0, false]);
  });

  it("market sweeps, respects worstPrice, cancels the remainder at its effective limit", () => {
    const { book, ev } = setup();
    book.limit(1, 1, SELL, 100, 2);
    book.limit(2, 1, SELL, 102, 2);
    book.limit(3, 1, SELL, 105, 2);
    ev.length = 0;
    expect(book.market(10, 2, BUY, 5, 102)).toBe(4);
    expect(ev).toEqual([
      ["fill", 1, 1, 10, 2, BUY, 100, 2, 0],
      ["fill", 2, 1, 10, 2, BUY, 102, 2, 0],
      ["cancel", 10, 2, BUY, 102, 1, CANCEL_UNFILLED],
    ]);
    expect(book.bestAsk()).toBe(105);
    ev.length = 0;
    expect(book.market(11, 2, BUY, 5)).toBe(2);
    expect(ev).toEqual([
      ["fill", 3, 1, 11, 2, BUY, 105, 2, 0],
      ["cancel", 11, 2, BUY, 110, 3, CANCEL_UNFILLED],
    ]);
    ev.length = 0;
    expect(book.market(12, 2, SELL, 4)).toBe(0);
    expect(ev).toEqual([["cancel", 12, 2, SELL, 90, 4, CANCEL_UNFILLED]]);
    // a sell with worstPrice stops below it
    book.limit(20, 1, BUY, 99, 1);
    book.limit(21, 1, BUY, 97, 1);
    ev.length = 0;
    expect(book.market(13, 2, SELL, 3, 98)).toBe(1);
    expect(ev).toEqual([
      ["fill", 20, 1, 13, 2, SELL, 99, 1, 0],
      ["cancel", 13, 2, SELL, 98, 2, CANCEL_UNFILLED],
    ]);
    expect(book.bestBid()).toBe(97);
  });

  it("self-trade prevention cancels the resting order and keeps matching", () => {
    const { book, ev } = setup();
    book.limit(1, 7, SELL, 100, 2); // same owner as the taker below
    book.limit(2, 8, SELL, 100, 3);
    book.limit(3, 7, SELL, 101, 4); // same owner
    book.limit(4, 8, SELL, 102, 4);
    ev.length = 0;
    expect(book.limit(5, 7, BUY, 102, 5)).toBe(5);
    expect(ev).toEqual([
      ["cancel", 1, 7, SELL, 100, 2, CANCEL_SELF_TRADE],
      ["fill", 2, 8, 5, 7, BUY, 100, 3, 0],
      ["cancel", 3, 7, SELL, 101, 4, CANCEL_SELF_TRADE],
      ["fill", 4, 8, 5, 7, BUY, 102, 2, 2],
    ]);
    expect(book.has(1)).toBe(false);
    expect(book.has(3)).toBe(false);
    expect(book.bestAsk()).toBe(102);
    expect(book.totalQuantity(SELL)).toBe(2);
    // STP-only level: cancelled, then the taker rests where the own order was
    book.limit(6, 9, BUY, 98, 1);
    ev.length = 0;
    expect(book.limit(7, 9, SELL, 98, 1)).toBe(0);
    expect(ev).toEqual([
      ["cancel", 6, 9, BUY, 98, 1, CANCEL_SELF_TRADE],
      ["rest", 7, 9, SELL, 98, 1],
    ]);
    expect(book.bestBid()).toBe(0);
    expect(book.bestAsk()).toBe(98);
  });

  it("cancel removes from anywhere in the FIFO and updates best prices", () => {
    const { book, ev } = setup();
    book.limit(1, 1, BUY, 100, 1);
    book.limit(2, 2, BUY, 100, 2);
    book.limit(3, 3, BUY, 100, 3);
    book.limit(4, 4, BUY, 95, 4);
    ev.length = 0;
    expect(book.cancel(2)).toBe(2);
    expect(ev).toEqual([["cancel", 2, 2, BUY, 100, 2, CANCEL_USER]]);
    const ids: number[] = [];
    book.forEachOrder(BUY, (id) => ids.push(id));
    expect(ids).toEqual([1, 3, 4]);
    expect(book.cancel(1)).toBe(1);
    expect(book.cancel(3)).toBe(3);
    expect(book.bestBid()).toBe(95);
    expect(book.levelCount(BUY)).toBe(1);
    expect(book.cancel(4)).toBe(4);
    expect(book.bestBid()).toBe(0);
    expect(book.orderCount()).toBe(0);
    expect(book.totalQuantity(BUY)).toBe(0);
  });

  it("reduce keeps time priority; reduce to 0 cancels; equal is a no-op", () => {
    const { book, ev } = setup();
    book.limit(1, 1, SELL, 100, 5);
    book.limit(2, 2, SELL, 100, 5);
    ev.length = 0;
    expect(book.reduce(1, 2)).toBe(3);
    expect(ev).toEqual([["cancel", 1, 1, SELL, 100, 3, CANCEL_USER]]);
    expect(book.remaining(1)).toBe(2);
    expect(book.volumeAt(SELL, 100)).toBe(7);
    expect(book.reduce(1, 2)).toBe(0);
    ev.length = 0;
    // order 1 still first in line
    expect(book.limit(3, 3, BUY, 100, 3)).toBe(3);
    expect(ev).toEqual([
      ["fill", 1, 1, 3, 3, BUY, 100, 2, 0],
      ["fill", 2, 2, 3, 3, BUY, 100, 1, 4],
    ]);
    ev.length = 0;
    expect(book.reduce(2, 0)).toBe(4);
    expect(ev).toEqual([["cancel", 2, 2, SELL, 100, 4, CANCEL_USER]]);
    expect(book.has(2)).toBe(false);
    expect(book.bestAsk()).toBe(0);
  });

  it("ids may be reused once the order has left the book", () => {
    const { book } = setup();
    book.limit(1, 1, SELL, 100, 5);
    book.cancel(1);
    expect(book.limit(1, 1, BUY, 100, 5)).toBe(0);
    expect(book.orderSide(1)).toBe(BUY);
  });

  it("depth writes best levels first without allocating", () => {
    const { book } = setup();
    book.limit(1, 1, BUY, 99, 1);
    book.limit(2, 1, BUY, 97, 2);
    book.limit(3, 1, BUY, 97, 3);
    book.limit(4, 1, BUY, 91, 4);
    const p = new Float64Array(3);
    const q = [0, 0, 0, 0];
    expect(book.depth(BUY, 10, p, q)).toBe(3);
    expect([...p]).toEqual([99, 97, 91]);
    expect(q).toEqual([1, 5, 4, 0]);
    expect(book.depth(BUY, 1, p, q)).toBe(1);
    expect(book.depth(SELL, 3, p, q)).toBe(0);
    expect(book.depth(BUY, Number.POSITIVE_INFINITY, p, q)).toBe(3);
    // 1.5 levels used to write 2: a fractional count is refused like a negative one
    for (const bad of [1.5, -1, Number.NaN]) {
      expect(() => book.depth(BUY, bad, p, q)).toThrow(/levels = .*; allowed: an integer >= 0 \(or Infinity/);
    }
  });

  it("depthWithin sums the side within a fraction of the mid (or of its own best)", () => {
    const { book } = setup(1, 1000);
    book.limit(1, 1, BUY, 99, 1);
    book.limit(2, 1, BUY, 98, 2);
    book.limit(3, 1, BUY, 90, 4);
    // no asks: reference = best bid 99; 2% -> >= 97.02
    expect(book.depthWithin(BUY, 0.02)).toBe(3);
    expect(book.depthWithin(BUY, 0)).toBe(1);
    book.limit(4, 2, SELL, 101, 8);
    book.limit(5, 2, SELL, 110, 16);
    // mid 100: 1% -> bids >= 99, asks <= 101
    expect(book.depthWithin(BUY, 0.01)).toBe(1);
    expect(book.depthWithin(SELL, 0.01)).toBe(8);
    expect(book.depthWithin(BUY, 0.1)).toBe(7);
    expect(book.depthWithin(SELL, 0.1)).toBe(24);
    expect(book.depthWithin(SELL, 5)).toBe(24);
  });

  it("finds the next level across large empty gaps of a wide band", () => {
    const { book } = setup(1, 2_000_000);
    book.limit(1, 1, SELL, 1_999_999, 1);
    book.limit(2, 1, SELL, 5, 1);
    book.limit(3, 1, BUY, 3, 1);
    book.limit(4, 1, BUY, 1, 1);
    expect(book.bestAsk()).toBe(5);
    book.cancel(2);
    expect(book.bestAsk()).toBe(1_999_999);
    expect(book.market(5, 2, BUY, 1)).toBe(1);
    expect(book.bestAsk()).toBe(0);
    book.cancel(3);
    expect(book.bestBid()).toBe(1);
    expect(book.market(6, 2, SELL, 2)).toBe(1);
    expect(book.bestBid()).toBe(0);
  });

  it("grows past its initial capacity and still finds every order", () => {
    const book = new OrderBook({ minPrice: 1, maxPrice: 100, initialCapacity: 1 });
    for (let i = 0; i < 500; i++) book.limit(i * 7919, i, BUY, 1 + (i % 50), 1 + i);
    expect(book.orderCount()).toBe(500);
    for (let i = 0; i < 500; i += 2) expect(book.cancel(i * 7919)).toBe(1 + i);
    for (let i = 1; i < 500; i += 2) expect(book.remaining(i * 7919)).toBe(1 + i);
    expect(book.orderCount()).toBe(250);
  });

  it("orders outliving many newer ids, or sharing their low bits, stay found through fills and cancels", () => {
    const book = new OrderBook({ minPrice: 1, maxPrice: 1000, initialCapacity: 64 });
    // ids 1..40 rest while 100,000 newer ids come and go (the id -> slot ring wraps many times),
    // and ids that differ only above bit 20 rest together (same ring index whatever its size).
    for (let id = 1; id <= 40; id++) book.limit(id, 1, BUY, 100 + id, 1);
    for (let k = 0; k < 8; k++) book.limit(1 + (k + 1) * 2 ** 20, 2, SELL, 900 + k, 1);
    for (let id = 41; id < 100_041; id++) {
      book.limit(id, 3, SELL, 500 + (id % 7), 1, POST_ONLY);
      if (id % 5 !== 0) book.cancel(id);
    }
    for (let id = 1; id <= 40; id++) expect(book.orderPrice(id)).toBe(100 + id);
    for (let k = 0; k < 8; k++) expect(book.orderPrice(1 + (k + 1) * 2 ** 20)).toBe(900 + k);
    expect(book.market(200_000, 4, SELL, 10)).toBe(10); // fills ids 40 down to 31
    for (let id = 1; id <= 40; id++) expect(book.has(id)).toBe(id <= 30);
    for (let id = 1; id <= 30; id += 3) book.cancel(id);
    expect(book.orderCount()).toBe(20 + 8 + 100_000 / 5);
    expect(book.cancel(1 + 3 * 2 ** 20)).toBe(1);
    expect(book.has(1 + 3 * 2 ** 20)).toBe(false);
    expect(book.orderPrice(1 + 4 * 2 ** 20)).toBe(903);
  });

  it("covers a band of millions of ticks with a window that grows where orders rest", () => {
    // Band of 2^25 levels: a dense ladder would be 512 MiB; the window follows the quoted prices.
    const lo = 1_000;
    const book = new OrderBook({ minPrice: lo, maxPrice: lo + (1 << 25) - 1, initialCapacity: 2 });
    const windowSize = () => (book as unknown as { nLevels: number }).nLevels;
    expect(windowSize()).toBe(0);
    const mid = 10_000_000;
    book.limit(1, 1, BUY, mid - 1, 5);
    book.limit(2, 2, SELL, mid + 1, 5);
    expect(windowSize()).toBeLessThanOrEqual(4096);
    // Rest far below (the window grows down and every stored level shifts) and far above.
    book.limit(3, 1, BUY, mid - 50_000, 7);
    book.limit(4, 2, SELL, mid + 300_000, 9);
    book.limit(5, 1, BUY, mid - 600_000, 1);
    book.limit(6, 2, SELL, mid + 700_000, 2);
    expect(windowSize()).toBeLessThan(4 * 1_300_000); // at most doubling past what is needed
    expect(book.bestBid()).toBe(mid - 1);
    expect(book.bestAsk()).toBe(mid + 1);
    expect(book.orderPrice(1)).toBe(mid - 1);
    expect(book.orderPrice(3)).toBe(mid - 50_000);
    expect(book.orderPrice(5)).toBe(mid - 600_000);
    expect(book.volumeAt(BUY, mid - 50_000)).toBe(7);
    expect(book.volumeAt(SELL, mid + 300_000)).toBe(9);
    expect(book.volumeAt(SELL, lo + (1 << 25) - 1)).toBe(0);
    expect(book.volumeAt(BUY, lo)).toBe(0);
    expect(book.volumeAt(BUY, mid - 50_001)).toBe(0);
    const prices = new Float64Array(8);
    const qty = new Float64Array(8);
    expect(book.depth(BUY, 8, prices, qty)).toBe(3);
    expect([...prices.slice(0, 3)]).toEqual([mid - 1, mid - 50_000, mid - 600_000]);
    expect(book.depth(SELL, 8, prices, qty)).toBe(3);
    expect([...prices.slice(0, 3)]).toEqual([mid + 1, mid + 300_000, mid + 700_000]);
    // A sweep walks the levels across the grown window, at the makers' prices.
    expect(book.market(7, 3, SELL, 12)).toBe(12);
    expect(book.bestBid()).toBe(mid - 600_000);
    expect(book.remaining(5)).toBe(1);
    expect(book.remaining(3)).toBe(0);
    book.cancel(6);
    expect(book.bestAsk()).toBe(mid + 1);
    expect(book.totalQuantity(SELL)).toBe(14);
    // Mid (9,400,000 + 10,000,001) / 2 = 9,700,000.5: within 4% reaches only the first ask level, within 7% the second too.
    expect(book.depthWithin(SELL, 0.04)).toBe(5);
    expect(book.depthWithin(SELL, 0.07)).toBe(14);
    // A marketable order priced beyond the window matches what rests inside it, then rests there.
    const fresh = new OrderBook({ minPrice: 1, maxPrice: 30_000_000 });
    fresh.limit(1, 1, SELL, mid, 4);
    fresh.limit(2, 1, SELL, mid + 10, 4);
    expect(fresh.limit(3, 2, BUY, mid + 900_000, 10)).toBe(8);
    expect(fresh.bestBid()).toBe(mid + 900_000);
    expect(fresh.bestAsk()).toBe(0);
    expect(fresh.limit(4, 1, SELL, mid - 900_000, 3)).toBe(2);
    expect(fresh.bestAsk()).toBe(mid - 900_000);
    expect(fresh.volumeAt(SELL, mid - 900_000)).toBe(1);
  });

  it("setListener swaps or removes the listener", () => {
    const { book, ev } = setup();
    book.setListener(undefined);
    book.limit(1, 1, BUY, 100, 1);
    expect(ev).toEqual([]);
    const rec2: unknown[] = [];
    book.setListener({ onFill: () => {}, onCancel: () => {}, onRest: (id) => rec2.push(id) });
    book.limit(2, 1, BUY, 100, 1);
    expect(rec2).toEqual([2]);
  });
});

describe("OrderBook: rejections leave the book unchanged", () => {
  function populated() {
    const { book, rec, ev } = setup();
    book.limit(1, 1, BUY, 99, 5);
    book.limit(2, 2, BUY, 99, 3);
    book.limit(3, 1, SELL, 101, 4);
    book.limit(4, 2, SELL, 103, 6);
    ev.length = 0;
    return { book, rec, ev };
  }

  const cases: [string, string, string, string, (b: OrderBook) => unknown][] = [
    ["limit id NaN", "INVALID_ORDER_ID", "id", "NaN", (b) => b.limit(Number.NaN, 1, BUY, 100, 1)],
    ["limit id negative", "INVALID_ORDER_ID", "id", "-5", (b) => b.limit(-5, 1, BUY, 100, 1)],
    ["limit id fractional", "INVALID_ORDER_ID", "id", "1.5", (b) => b.limit(1.5, 1, BUY, 100, 1)],
    [
      "limit id unsafe",
      "INVALID_ORDER_ID",
      "id",
      "9007199254740992",
      (b) => b.limit(2 ** 53, 1, BUY, 100, 1),
    ],
    ["limit duplicate id", "DUPLICATE_ORDER_ID", "id", "3", (b) => b.limit(3, 1, SELL, 105, 1)],
    ["market duplicate id", "DUPLICATE_ORDER_ID", "id", "1", (b) => b.market(1, 5, SELL, 1)],
    ["owner negative", "INVALID_OWNER", "owner", "-1", (b) => b.limit(9, -1, BUY, 100, 1)],
    ["owner fractional", "INVALID_OWNER", "owner", "0.5", (b) => b.market(9, 0.5, BUY, 1)],
    ["side 0", "INVALID_SIDE", "side", "0", (b) => b.limit(9, 1, 0 as never, 100, 1)],
    ["side string", "INVALID_SIDE", "side", '"buy"', (b) => b.market(9, 1, "buy" as never, 1)],
    ["price off grid", "INVALID_PRICE", "price", "100.5", (b) => b.limit(9, 1, SELL, 100.5, 1)],
    ["price NaN", "INVALID_PRICE", "price", "NaN", (b) => b.limit(9, 1, SELL, Number.NaN, 1)],
    [
      "price Infinity",
      "INVALID_PRICE",
      "price",
      "Infinity",
      (b) => b.limit(9, 1, BUY, Number.POSITIVE_INFINITY, 1),
    ],
    ["price below band", "INVALID_PRICE", "price", "89", (b) => b.limit(9, 1, BUY, 89, 1)],
    ["price above band", "INVALID_PRICE", "price", "111", (b) => b.limit(9, 1, BUY, 111, 1)],
    ["worstPrice off grid", "INVALID_PRICE", "worstPrice", "101.5", (b) => b.market(9, 5, BUY, 1, 101.5)],
    ["worstPrice out of band", "INVALID_PRICE", "worstPrice", "200", (b) => b.market(9, 5, BUY, 1, 200)],
    ["qty 0", "INVALID_QUANTITY", "qty", "0", (b) => b.limit(9, 1, BUY, 100, 0)],
    ["qty negative", "INVALID_QUANTITY", "qty", "-2", (b) => b.market(9, 1, BUY, -2)],
    ["qty fractional", "INVALID_QUANTITY", "qty", "1.5", (b) => b.limit(9, 5, BUY, 101, 1.5)],
    ["qty NaN", "INVALID_QUANTITY", "qty", "NaN", (b) => b.limit(9, 5, BUY, 101, Number.NaN)],
    ["qty unsafe", "INVALID_QUANTITY", "qty", "9007199254740992", (b) => b.market(9, 5, BUY, 2 ** 53)],
    ["tif 3", "INVALID_TIME_IN_FORCE", "tif", "3", (b) => b.limit(9, 5, BUY, 101, 1, 3 as never)],
    ["cancel unknown", "UNKNOWN_ORDER", "id", "42", (b) => b.cancel(42)],
    ["cancel NaN", "INVALID_ORDER_ID", "id", "NaN", (b) => b.cancel(Number.NaN)],
    ["reduce unknown", "UNKNOWN_ORDER", "id", "42", (b) => b.reduce(42, 1)],
    ["reduce increase", "INVALID_QUANTITY", "newQty", "6", (b) => b.reduce(1, 6)],
    ["reduce negative", "INVALID_QUANTITY", "newQty", "-1", (b) => b.reduce(1, -1)],
    ["reduce fractional", "INVALID_QUANTITY", "newQty", "2.5", (b) => b.reduce(1, 2.5)],
    ["orderPrice unknown", "UNKNOWN_ORDER", "id", "42", (b) => b.orderPrice(42)],
    ["orderSide unknown", "UNKNOWN_ORDER", "id", "42", (b) => b.orderSide(42)],
    ["orderOwner unknown", "UNKNOWN_ORDER", "id", "42", (b) => b.orderOwner(42)],
    ["volumeAt bad side", "INVALID_SIDE", "side", "2", (b) => b.volumeAt(2 as never, 100)],
    ["depthWithin bad fraction", "INVALID_FRACTION", "fraction", "-0.1", (b) => b.depthWithin(BUY, -0.1)],
    // depth's output arrays: null used to throw a TypeError, and an object without a length (or a
    // number) made it write nothing and report 0 levels on a book that has some
    [
      "depth outPrices null",
      "INVALID_ARGUMENT",
      "outPrices",
      "null",
      (b) => b.depth(BUY, 2, null as never, new Float64Array(2)),
    ],
    [
      "depth outPrices object",
      "INVALID_ARGUMENT",
      "outPrices",
      "{}",
      (b) => b.depth(SELL, 2, {} as never, [0, 0]),
    ],
    ["depth outQty number", "INVALID_ARGUMENT", "outQty", "4", (b) => b.depth(BUY, 2, [0, 0], 4 as never)],
    [
      "forEachOrder fn missing",
      "INVALID_ARGUMENT",
      "fn",
      "undefined",
      (b) => b.forEachOrder(BUY, undefined as never),
    ],
  ];

  for (const [name, code, field, value, call] of cases) {
    it(`${name} -> ${code}`, () => {
      const { book, ev } = populated();
      const before = snapshotBook(book);
      let err: unknown;
      try {
        call(book);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CascadeError);
      const ce = err as CascadeError;
      expect(ce.code).toBe(code);
      expect(ce.field).toBe(field);
      expect(ce.message).toContain(`${field} = ${value}`);
      expect(ce.message).toContain("allowed:");
      expect(snapshotBook(book)).toEqual(before);
      expect(ev).toEqual([]);
    });
  }

  it("uses the documented contexts", () => {
    const { book } = populated();
    expect(() => book.limit(1, 1, BUY, 100, 1)).toThrow(/^order rejected: id = 1; allowed: /);
    expect(() => book.cancel(77)).toThrow(/^cancel rejected: id = 77; allowed: /);
    expect(() => book.reduce(77, 1)).toThrow(/^reduce rejected: id = 77; allowed: /);
    expect(() => book.reduce(1, 9)).toThrow("reduce rejected: newQty = 9; allowed: an integer in [0, 5]");
    expect(() => book.limit(9, 1, BUY, 120, 1)).toThrow(
      "order rejected: price = 120; allowed: an integer number of ticks in [90, 110]",
    );
  });

  it("reports the first invalid field (id before price before qty)", () => {
    const { book } = populated();
    expect(() => book.limit(-1, 1, BUY, 1e9, 0)).toThrow(/id = -1/);
    expect(() => book.limit(8, 1, BUY, 1e9, 0)).toThrow(/price = 1000000000/);
  });

  it("rejects bad constructor options and listeners", () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as CascadeError).code;
      }
      return "none";
    };
    expect(codeOf(() => new OrderBook({ minPrice: 0, maxPrice: 10 }))).toBe("INVALID_PRICE");
    expect(codeOf(() => new OrderBook({ minPrice: 10, maxPrice: 9 }))).toBe("INVALID_PRICE");
    expect(codeOf(() => new OrderBook({ minPrice: 1.5, maxPrice: 9 }))).toBe("INVALID_PRICE");
    expect(codeOf(() => new OrderBook({ minPrice: 1, maxPrice: 9, initialCapacity: 0 }))).toBe(
      "INVALID_CAPACITY",
    );
    expect(codeOf(() => new OrderBook({ minPrice: 1, maxPrice: 9, listener: {} as never }))).toBe(
      "INVALID_LISTENER",
    );
    const book = new OrderBook({ minPrice: 1, maxPrice: 9 });
    expect(codeOf(() => book.setListener({ onFill: 1 } as never))).toBe("INVALID_LISTENER");
    expect(new OrderBook({ minPrice: 7, maxPrice: 7 }).limit(1, 1, BUY, 7, 1)).toBe(0);
  });

  it("refuses a listener whose reduceOnlyAllowance is not a function (it used to fail mid-sweep)", () => {
    const rec = recorder();
    const bad = { ...rec, reduceOnlyAllowance: 5 } as never;
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as CascadeError;
      }
      throw new Error("nothing thrown");
    };
    const e1 = err(() => new OrderBook({ minPrice: 1, maxPrice: 9, listener: bad }));
    expect([e1.code, e1.field]).toEqual(["INVALID_LISTENER", "listener.reduceOnlyAllowance"]);
    expect(e1.message).toContain("listener.reduceOnlyAllowance = 5; allowed: undefined or a function");
    // Before, a reduce-only order was accepted and the sweep that reached it threw a TypeError after
    // the fills ahead of it: the taker's remainder neither filled, rested nor reported cancelled.
    const book = new OrderBook({ minPrice: 1, maxPrice: 9, listener: rec });
    book.limit(1, 1, SELL, 5, 2);
    expect(err(() => book.setListener(bad)).code).toBe("INVALID_LISTENER");
    expect(book.market(2, 2, BUY, 1)).toBe(1); // the valid listener is still in place
    expect(rec.events.at(-1)).toEqual(["fill", 1, 1, 2, 2, BUY, 5, 1, 1]);
  });
});
