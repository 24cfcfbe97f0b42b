import { BUY, SELL, type Side, Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkBookkeeping, expectCode, snapshot } from "./venue-helpers.js";

function twoBooks() {
  const v = new Venue({
    instruments: [
      { symbol: "X", initialPrice: 1_000 },
      { symbol: "Y", initialPrice: 1_000 },
    ],
  });
  const accounts = [0, 1, 2].map((k) => {
    const a = v.openAccount(`a${k}`);
    v.deposit(a, 1e9);
    return a;
  });
  return { v, accounts };
}

const limit = (v: Venue, account: number, instrument: number, side: Side, price: number, quantity = 3) =>
  v.submit({ account, instrument, side, quantity, type: "limit", price });

describe("Venue.cancelIfResting", () => {
  it("cancels the account's resting order and returns the quantity removed, as cancel does", () => {
    const { v, accounts } = twoBooks();
    const [a] = accounts;
    const first = limit(v, a, 0, BUY, 990, 4).orderId;
    const second = limit(v, a, 1, SELL, 1_010, 7).orderId;
    const updates: number[] = [];
    v.book$.subscribe((u) => updates.push(u.instrument));
    expect(v.cancelIfResting(a, second)).toBe(7);
    expect([...v.openOrders(a)]).toEqual([first]);
    expect(v.restingQuantity(a, 1, SELL)).toBe(0);
    expect(v.book(1).has(second)).toBe(false);
    expect(v.heldInstruments(a)).toEqual([0]);
    expect(updates).toEqual([1]);
    checkBookkeeping(v);
  });

  it("returns -1 and changes nothing for an id that is not one of the account's resting orders", () => {
    const { v, accounts } = twoBooks();
    const [a, b] = accounts;
    const mine = limit(v, a, 0, BUY, 990).orderId;
    const theirs = limit(v, b, 0, BUY, 989).orderId;
    const cancelled = limit(v, a, 1, BUY, 990).orderId;
    v.cancel(a, cancelled);
    // a sell of b fills a's resting sell in full
    const filled = limit(v, a, 1, SELL, 1_005).orderId;
    limit(v, b, 1, BUY, 1_005);
    const before = snapshot(v);
    for (const id of [theirs, cancelled, filled, 0, -1, 1.5, Number.NaN, 10_000, "1" as unknown as number]) {
      expect(v.cancelIfResting(a, id), String(id)).toBe(-1);
    }
    expect(snapshot(v)).toBe(before);
    expect(v.cancelIfResting(b, mine)).toBe(-1);
    expect(snapshot(v)).toBe(before);
  });

  it("refuses an unknown account by name; a call from inside a callback on a resting order is re-entrant", () => {
    const { v, accounts } = twoBooks();
    const [a] = accounts;
    const id = limit(v, a, 0, BUY, 990).orderId;
    const e = expectCode(() => v.cancelIfResting(99, id), "UNKNOWN_ACCOUNT");
    expect(e.message).toMatch(/account = 99/);
    const other = limit(v, a, 1, BUY, 990).orderId;
    const seen: unknown[] = [];
    v.book$.subscribe(() => {
      // not resting: nothing to refuse, as openOrders(a).includes(id) was false
      seen.push(v.cancelIfResting(a, 12_345));
      try {
        v.cancelIfResting(a, other);
      } catch (err) {
        seen.push((err as { code?: string }).code);
      }
    });
    v.cancel(a, id);
    expect(seen).toEqual([-1, "REENTRANT_ORDER"]);
    expect(v.openOrders(a)).toEqual([other]);
  });

  it("answers as openOrders(account).includes(id) then cancel did, on random order streams", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("limit" as const),
        account: fc.nat(2),
        instrument: fc.nat(1),
        side: fc.constantFrom(BUY, SELL),
        // crossing prices fill resting orders in full or in part
        price: fc.integer({ min: 995, max: 1_005 }),
        quantity: fc.integer({ min: 1, max: 6 }),
      }),
      fc.record({
        kind: fc.constant("cancel" as const),
        account: fc.nat(2),
        id: fc.integer({ min: -1, max: 40 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const x = twoBooks().v;
        const y = twoBooks().v;
        const ex: number[] = [];
        const ey: number[] = [];
        x.book$.subscribe((u) => ex.push(u.instrument, u.bestBid, u.bestAsk));
        y.book$.subscribe((u) => ey.push(u.instrument, u.bestBid, u.bestAsk));
        for (const o of ops) {
          if (o.kind === "limit") {
            const req = { ...o, type: "limit" as const };
            if (!x.marginAllows(o.account, o.instrument, o.side, o.quantity, o.price)) continue;
            x.submit(req);
            y.submit(req);
          } else {
            const got = x.cancelIfResting(o.account, o.id);
            const want = y.openOrders(o.account).includes(o.id) ? y.cancel(o.account, o.id) : -1;
            expect(got).toBe(want);
          }
          expect(snapshot(x)).toBe(snapshot(y));
        }
        expect(ex).toEqual(ey);
        checkBookkeeping(x);
      }),
      { numRuns: 200 },
    );
  });
});
