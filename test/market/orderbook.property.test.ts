/**
 * Property-based tests (fast-check): random streams of limit (GTC / IOC / post-only), market
 * (with and without worstPrice), cancel and reduce operations, including invalid ones.
 * Invariants checked after every operation:
 * - never crossed at rest (bestBid < bestAsk when both exist), best prices match the orders;
 * - per order: submitted = filled + resting + cancelled (from the listener's events);
 * - FIFO within a level: orders at a price are in the order they came to rest;
 * - every fill is at the maker's resting price, which is no worse than the taker's limit;
 *   makerRemaining equals what is left on the book;
 * - rejected operations throw CascadeError, emit nothing and change nothing (snapshot equality);
 * - a reduce-only maker (the owners hold positions, booked from the fills) never fills more than
 *   its owner can still reduce, so no fill flips a position through one; what it cannot fill is
 *   cut (cancelled) before the taker reaches it;
 * - level totals, counts and side totals agree with the orders.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CascadeError } from "../../packages/core/src/errors.js";
import {
  type BookListener,
  BUY,
  CANCEL_POST_ONLY,
  CANCEL_REDUCE_ONLY,
  CANCEL_UNFILLED,
  OrderBook,
  SELL,
  type Side,
} from "../../packages/market/src/orderbook.js";
import { snapshotBook } from "./reference-book.js";

const MIN = 10;
const MAX = 30;

type Op =
  | {
      k: "limit";
      reuse: number | undefined;
      owner: number;
      side: number;
      price: number;
      qty: number;
      tif: number;
      reduceOnly: boolean;
    }
  | {
      k: "market";
      reuse: number | undefined;
      owner: number;
      side: number;
      qty: number;
      worst: number | undefined;
    }
  | { k: "cancel"; pick: number }
  | { k: "reduce"; pick: number; newQty: number };

// mostly valid values, sometimes invalid ones
const price = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: MIN, max: MAX }) },
  { weight: 1, arbitrary: fc.constantFrom(MIN - 1, MAX + 1, 15.5, Number.NaN, Number.POSITIVE_INFINITY) },
);
const qty = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 1, max: 15 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 2.5, Number.NaN, 2 ** 53) },
);
const side = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(BUY, SELL) },
  { weight: 1, arbitrary: fc.constant(0) },
);
const owner = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(-1) },
);
const tif = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(0, 0, 1, 2) },
  { weight: 1, arbitrary: fc.constant(7) },
);
// usually a fresh id; sometimes an id used before (rejected as a duplicate if it still rests)
const reuse = fc.option(fc.nat(), { freq: 12, nil: undefined });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      k: fc.constant("limit" as const),
      reuse,
      owner,
      side,
      price,
      qty,
      tif,
      reduceOnly: fc.oneof(
        { weight: 3, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("market" as const),
      reuse,
      owner,
      side,
      qty,
      worst: fc.option(price, { nil: undefined }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("cancel" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("reduce" as const),
      pick: fc.nat(),
      newQty: fc.integer({ min: -1, max: 16 }),
    }),
  },
);

interface OrderTrack {
  submitted: number;
  filled: number;
  cancelled: number;
  restSeq: number; // sequence number of the onRest event, -1 if never rested
  restPrice: number;
  limit: number; // taker's limit (effective, for market orders)
  side: Side;
  reduceOnly: boolean;
}

/** Owners' positions at the start of every stream (reduce-only orders reduce them). */
const START_POSITIONS = [12, -9, 4, 0];

function runStream(ops: Op[]) {
  const tracks = new Map<number, OrderTrack>();
  let seq = 0;
  let current: { id: number; limit: number; side: Side } | undefined;
  const emitted: string[] = [];
  const problems: string[] = [];
  const book = new OrderBook({ minPrice: MIN, maxPrice: MAX, initialCapacity: 2 });
  const positions = START_POSITIONS.slice();
  /** What `owner` may still reduce with an order of `side`: its long for a sell, its short for a buy. */
  const reducible = (owner: number, s: Side) => (s === SELL ? positions[owner] : -positions[owner]);
  const listener: BookListener = {
    onFill(makerId, makerOwner, takerId, takerOwner, takerSide, p, q, makerRemaining) {
      emitted.push("fill");
      const maker = tracks.get(makerId)!;
      const taker = tracks.get(takerId)!;
      if (maker.reduceOnly && q > reducible(makerOwner, maker.side)) {
        problems.push(
          `reduce-only ${makerId} filled ${q} with ${reducible(makerOwner, maker.side)} to reduce`,
        );
      }
      positions[takerSide === BUY ? takerOwner : makerOwner] += q;
      positions[takerSide === BUY ? makerOwner : takerOwner] -= q;
      maker.filled += q;
      taker.filled += q;
      if (p !== maker.restPrice)
        problems.push(`fill at ${p} but maker ${makerId} rests at ${maker.restPrice}`);
      if (takerSide === BUY ? p > taker.limit : p < taker.limit) {
        problems.push(`fill at ${p} worse than taker ${takerId} limit ${taker.limit}`);
      }
      if (maker.side === takerSide) problems.push("fill between orders of the same side");
      if (current === undefined || current.id !== takerId) problems.push("fill outside of the taker's call");
      if (makerRemaining !== maker.submitted - maker.filled - maker.cancelled) {
        problems.push(`makerRemaining ${makerRemaining} inconsistent`);
      }
    },
    onCancel(orderId, _o, s, p, q, reason) {
      if (reason === CANCEL_REDUCE_ONLY) cuts++;
      emitted.push("cancel");
      const t = tracks.get(orderId)!;
      t.cancelled += q;
      if (s !== t.side) problems.push("cancel with wrong side");
      if ((reason === CANCEL_UNFILLED || reason === CANCEL_POST_ONLY) && p !== t.limit) {
        problems.push(`unfilled cancel reports price ${p}, limit was ${t.limit}`);
      }
    },
    reduceOnlyAllowance(orderId, owner, s) {
      if (!tracks.get(orderId)?.reduceOnly) problems.push(`allowance asked for plain order ${orderId}`);
      return reducible(owner, s);
    },
    onRest(orderId, _o, s, p, q) {
      emitted.push("rest");
      const t = tracks.get(orderId)!;
      t.restSeq = seq++;
      t.restPrice = p;
      if (s !== t.side) problems.push("rest with wrong side");
      if (q !== t.submitted - t.filled) problems.push(`rest qty ${q} != unfilled ${t.submitted - t.filled}`);
    },
  };
  book.setListener(listener);
  let nextId = 1;
  const ids: number[] = [];
  let rejected = 0;
  let cuts = 0;

  for (const op of ops) {
    const before = snapshotBook(book);
    emitted.length = 0;
    let threw: unknown;
    let replaced: { id: number; prev: OrderTrack | undefined } | undefined;
    try {
      if (op.k === "limit" || op.k === "market") {
        const id = op.reuse === undefined || ids.length === 0 ? nextId++ : ids[op.reuse % ids.length];
        const limit =
          op.k === "limit"
            ? op.price
            : (op.worst ?? (op.side === BUY ? MAX : op.side === SELL ? MIN : Number.NaN));
        // a new track unless the id still rests (then the order must be rejected as a duplicate)
        if (!book.has(id)) {
          replaced = { id, prev: tracks.get(id) };
          tracks.set(id, {
            submitted: op.qty,
            filled: 0,
            cancelled: 0,
            restSeq: -1,
            restPrice: 0,
            limit,
            side: op.side as Side,
            reduceOnly: op.k === "limit" && op.reduceOnly,
          });
        }
        current = { id, limit, side: op.side as Side };
        const filled =
          op.k === "limit"
            ? book.limit(id, op.owner, op.side as Side, op.price, op.qty, op.tif as never, op.reduceOnly)
            : book.market(id, op.owner, op.side as Side, op.qty, op.worst);
        current = undefined;
        ids.push(id);
        const t = tracks.get(id)!;
        if (filled !== t.filled) problems.push(`returned ${filled}, fills say ${t.filled}`);
        if (op.k === "market" && book.has(id)) problems.push("market order rested");
        if (op.k === "limit" && op.tif === 2 && filled !== 0) problems.push("post-only traded");
      } else {
        const id = ids.length ? ids[op.pick % ids.length] : 0;
        if (op.k === "cancel") book.cancel(id);
        else book.reduce(id, op.newQty);
      }
    } catch (e) {
      current = undefined;
      threw = e;
    }
    if (threw !== undefined) {
      if (!(threw instanceof CascadeError)) throw threw;
      rejected++;
      if (emitted.length) problems.push(`rejected op emitted ${emitted.join(",")}`);
      expect(snapshotBook(book)).toEqual(before);
      if (replaced !== undefined) {
        if (replaced.prev === undefined) tracks.delete(replaced.id);
        else tracks.set(replaced.id, replaced.prev);
      }
    }
    checkInvariants(book, tracks, problems);
    if (problems.length) expect({ op, problems }).toEqual({ op, problems: [] });
  }
  return { rejected, cuts };
}

function checkInvariants(book: OrderBook, tracks: Map<number, OrderTrack>, problems: string[]) {
  const bb = book.bestBid();
  const ba = book.bestAsk();
  if (bb !== 0 && ba !== 0 && !(bb < ba)) problems.push(`crossed book ${bb} >= ${ba}`);
  for (const [id, t] of tracks) {
    const resting = book.remaining(id);
    if (t.submitted !== t.filled + resting + t.cancelled) {
      problems.push(
        `order ${id}: ${t.submitted} != ${t.filled} filled + ${resting} resting + ${t.cancelled} cancelled`,
      );
    }
  }
  for (const s of [BUY, SELL] as const) {
    let lastPrice = Number.NaN;
    let lastSeq = -1;
    let total = 0;
    let levels = 0;
    let first = true;
    let levelQty = 0;
    const flushLevel = () => {
      if (!first && book.volumeAt(s, lastPrice) !== levelQty) problems.push(`volumeAt ${lastPrice} wrong`);
    };
    book.forEachOrder(s, (id, _owner, p, q) => {
      const t = tracks.get(id)!;
      if (first && p !== (s === BUY ? bb : ba)) problems.push("best price is not the first order's price");
      if (p !== lastPrice) {
        flushLevel();
        if (!first && (s === BUY ? p > lastPrice : p < lastPrice)) problems.push("levels not best-first");
        levels++;
        lastPrice = p;
        lastSeq = -1;
        levelQty = 0;
      }
      if (t.restSeq <= lastSeq) problems.push(`FIFO violated at ${p}`);
      if (t.restPrice !== p) problems.push("order moved");
      lastSeq = t.restSeq;
      total += q;
      levelQty += q;
      first = false;
    });
    flushLevel();
    if (book.totalQuantity(s) !== total) problems.push("totalQuantity wrong");
    if (book.levelCount(s) !== levels) problems.push("levelCount wrong");
  }
}

describe("OrderBook properties", () => {
  it("invariants hold on random streams, including invalid operations", () => {
    let rejected = 0;
    let cuts = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120, size: "max" }), (ops) => {
        const r = runStream(ops);
        rejected += r.rejected;
        cuts += r.cuts;
      }),
      { numRuns: 400, seed: 20240611 },
    );
    expect(rejected).toBeGreaterThan(100); // invalid operations were really exercised
    expect(cuts).toBeGreaterThan(100); // and reduce-only orders really were cut
  });
});
