/**
 * The bulk cancel of a market maker's requote (OrderBook.cancelResting, used by Venue.cancelAll
 * when an account rests orders on one instrument) against the one-by-one path it replaces, on twin
 * books and twin venues fed the same random streams:
 * - book: cancelResting(ids) leaves the same orders in the same queue positions, best prices,
 *   level counts and totals as cancel(id) of each in turn, reports the buys' and sells' quantities
 *   the cancels' events sum to, calls no listener, and the books then match the same orders alike;
 *   an id that does not rest throws UNKNOWN_ORDER and changes nothing;
 * - venue: cancelAll(account[, instrument]) leaves the same books, open-order lists, resting
 *   quantities, active instruments and tags as cancel(account, id) of each of its ids, emits the
 *   book$ update the last of those cancels emits, and every later order gets the same id, fills,
 *   fees, tags, rejections and events.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CascadeError } from "../../packages/core/src/errors.js";
import {
  type BookUpdate,
  BUY,
  type Fill,
  OrderBook,
  type OrderResult,
  SELL,
  type Side,
  Venue,
} from "../../packages/market/src/index.js";
import { recorder, snapshotBook } from "./reference-book.js";

const side = fc.constantFrom<Side>(BUY, SELL);

describe("OrderBook.cancelResting", () => {
  const order = fc.record({
    owner: fc.integer({ min: 0, max: 3 }),
    side,
    off: fc.integer({ min: 0, max: 6 }),
    qty: fc.integer({ min: 1, max: 9 }),
  });
  it("leaves the book as cancel of each id in turn, without listener calls", () => {
    fc.assert(
      fc.property(
        fc.array(order, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.record({ side, qty: fc.integer({ min: 1, max: 30 }) }), { maxLength: 4 }),
        (orders, picks, takes) => {
          const ra = recorder();
          const rb = recorder();
          const a = new OrderBook({ minPrice: 1, maxPrice: 200, listener: ra });
          const b = new OrderBook({ minPrice: 1, maxPrice: 200, listener: rb });
          let id = 1;
          for (const o of orders) {
            // bids at 100 - off, asks at 101 + off: never crossed, several orders per level
            const price = o.side === BUY ? 100 - o.off : 101 + o.off;
            a.limit(id, o.owner, o.side, price, o.qty);
            b.limit(id, o.owner, o.side, price, o.qty);
            id++;
          }
          // distinct resting ids in a random order
          const pool = Array.from({ length: id - 1 }, (_, k) => k + 1);
          const ids: number[] = [];
          for (const p of picks) {
            if (pool.length === 0) break;
            ids.push(pool.splice(p % pool.length, 1)[0]);
          }
          ra.events.length = 0;
          rb.events.length = 0;
          const out = new Float64Array(2);
          a.cancelResting(ids, ids.length, out);
          let buys = 0;
          let sells = 0;
          for (const x of ids) {
            const s = b.orderSide(x);
            const q = b.cancel(x);
            if (s === BUY) buys += q;
            else sells += q;
          }
          expect(ra.events).toEqual([]);
          expect(rb.events.length).toBe(ids.length);
          expect([out[0], out[1]]).toEqual([buys, sells]);
          expect(snapshotBook(a)).toEqual(snapshotBook(b));
          for (const x of ids) expect(a.has(x)).toBe(false);
          // the books go on alike: new orders rest and trade in the same queues
          rb.events.length = 0;
          for (const t of takes) {
            expect(a.market(id, 9, t.side, t.qty)).toBe(b.market(id, 9, t.side, t.qty));
            id++;
            a.limit(id, 8, t.side, t.side === BUY ? 99 : 102, t.qty);
            b.limit(id, 8, t.side, t.side === BUY ? 99 : 102, t.qty);
            id++;
          }
          expect(ra.events).toEqual(rb.events);
          expect(snapshotBook(a)).toEqual(snapshotBook(b));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses an id that does not rest, before removing anything", () => {
    const book = new OrderBook({ minPrice: 1, maxPrice: 200 });
    book.limit(1, 0, BUY, 99, 5);
    book.limit(2, 0, SELL, 102, 5);
    const before = snapshotBook(book);
    const out = new Float64Array(2);
    let err: unknown;
    try {
      book.cancelResting([1, 7, 2], 3, out);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CascadeError);
    expect((err as CascadeError).code).toBe("UNKNOWN_ORDER");
    expect((err as CascadeError).value).toBe(7);
    expect(snapshotBook(book)).toEqual(before);
    // only the first n ids count
    book.cancelResting([2, 7], 1, out);
    expect([out[0], out[1], book.bestAsk(), book.bestBid()]).toEqual([0, 5, 0, 99]);
  });
});

type Op =
  | {
      k: "limit";
      acct: number;
      ins: number;
      side: Side;
      off: number;
      qty: number;
      tif: 0 | 1 | 2;
      tag: boolean;
    }
  | { k: "market"; acct: number; ins: number; side: Side; qty: number }
  | { k: "reduceOnly"; acct: number; ins: number; side: Side; off: number; qty: number }
  | { k: "cancelAll"; acct: number; ins: number | undefined }
  | { k: "advance" };

const acct = fc.integer({ min: 1, max: 4 }); // 0 is the fee account
const ins = fc.integer({ min: 0, max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant("limit" as const),
      acct,
      ins,
      side,
      off: fc.integer({ min: -3, max: 8 }),
      qty: fc.integer({ min: 1, max: 40 }),
      tif: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
      tag: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("market" as const),
      acct,
      ins,
      side,
      qty: fc.integer({ min: 1, max: 60 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("reduceOnly" as const),
      acct,
      ins,
      side,
      off: fc.integer({ min: 0, max: 8 }),
      qty: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("cancelAll" as const),
      acct,
      ins: fc.option(ins, { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("advance" as const) }) },
);

const TIF = ["GTC", "IOC", "POST_ONLY"] as const;

function twin(): { v: Venue; fills: Fill[]; books: BookUpdate[] } {
  const v = new Venue({
    instruments: [
      { symbol: "X", initialPrice: 1000 },
      { symbol: "Y", initialPrice: 500 },
    ],
    fees: { makerBps: -1, takerBps: 5 },
  });
  // accounts 1-2 margin-checked with little cash (rejections happen), 3-4 exempt
  for (let k = 1; k <= 4; k++) {
    const a = v.openAccount(`a${k}`, { marginExempt: k >= 3 });
    v.deposit(a, k < 3 ? 40_000 : 1e9);
  }
  const fills: Fill[] = [];
  const books: BookUpdate[] = [];
  v.fills$.subscribe((f) => fills.push(f));
  v.book$.subscribe((b) => books.push(b));
  return { v, fills, books };
}

/** Runs `f` on a venue: its result, or the code and field of the error it threw. */
function attempt<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    if (e instanceof CascadeError) return `${e.code} ${e.field}`;
    throw e;
  }
}

function state(v: Venue) {
  const accounts = [];
  for (let a = 0; a < 5; a++) {
    const per = [];
    for (let i = 0; i < 2; i++) {
      per.push([
        v.position(a, i),
        v.costBasis(a, i),
        v.restingQuantity(a, i, BUY),
        v.restingQuantity(a, i, SELL),
        v.reducibleQuantity(a, i, BUY),
        v.reducibleQuantity(a, i, SELL),
      ]);
    }
    accounts.push({ cash: v.cash(a), orders: [...v.openOrders(a)], held: [...v.heldInstruments(a)], per });
  }
  return {
    accounts,
    books: [0, 1].map((i) => snapshotBook(v.book(i))),
    positions: [...v.accountsWithPositions()],
  };
}

describe("Venue.cancelAll", () => {
  it("matches cancel of each of the account's ids in turn, and the venues go on alike", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => {
        const A = twin();
        const B = twin();
        const res: OrderResult = { orderId: 0, filled: 0, resting: 0, notional: 0, averagePrice: 0 };
        for (const op of ops) {
          if (op.k === "cancelAll") {
            const fa = A.books.length;
            const fb = B.books.length;
            const ra = attempt(() => A.v.cancelAll(op.acct, op.ins));
            // the one-by-one path: each of the account's ids (on the instrument), oldest first
            const ids = B.v
              .openOrders(op.acct)
              .filter((id) => op.ins === undefined || B.v.orderInstrument(id) === op.ins);
            let rb = 0;
            for (const id of ids) rb += B.v.cancel(op.acct, id);
            expect(ra).toBe(rb);
            // one book$ update per instrument touched: the last one-by-one cancel's
            const last = new Map<number, BookUpdate>();
            for (const u of B.books.slice(fb)) last.set(u.instrument, u);
            expect(A.books.slice(fa)).toEqual([...last.values()].sort((x, y) => x.instrument - y.instrument));
            B.books.length = fb;
            B.books.push(...A.books.slice(fa));
          } else if (op.k === "advance") {
            A.v.advance(A.v.tick + 1);
            B.v.advance(B.v.tick + 1);
          } else {
            const base = op.ins === 0 ? 1000 : 500;
            const order =
              op.k === "market"
                ? {
                    account: op.acct,
                    instrument: op.ins,
                    side: op.side,
                    quantity: op.qty,
                    type: "market" as const,
                  }
                : {
                    account: op.acct,
                    instrument: op.ins,
                    side: op.side,
                    quantity: op.qty,
                    type: "limit" as const,
                    price: base - op.side * op.off,
                    ...(op.k === "limit"
                      ? { tif: TIF[op.tif], tag: op.tag ? 7 + op.acct : undefined }
                      : { reduceOnly: true }),
                  };
            // as the agents do: marginAllows, then submit the same order
            const allowA =
              op.k === "limit"
                ? attempt(() => A.v.marginAllows(op.acct, op.ins, op.side, op.qty, base - op.side * op.off))
                : 0;
            const allowB =
              op.k === "limit"
                ? attempt(() => B.v.marginAllows(op.acct, op.ins, op.side, op.qty, base - op.side * op.off))
                : 0;
            expect(allowA).toEqual(allowB);
            const oa = attempt(() => ({ ...A.v.submit(order, res) }));
            const ob = attempt(() => ({ ...B.v.submit(order, res) }));
            expect(oa).toEqual(ob);
          }
          expect(A.fills).toEqual(B.fills);
          expect(A.books).toEqual(B.books);
          expect(state(A.v)).toEqual(state(B.v));
        }
      }),
      { numRuns: 200 },
    );
  });
});
