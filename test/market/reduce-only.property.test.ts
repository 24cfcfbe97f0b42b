/**
 * Reduce-only orders may rest together beyond the position (each is capped at entry to what its
 * account can reduce, not less what its other reduce-only orders already cover). Property: on
 * random streams that stack them (several per account and side, at several prices) and move the
 * positions under them every other way (the account's own plain orders, which cross its resting
 * orders too, fills by other accounts, position transfers in and out, auctions that reserve lots
 * and keepers that take them), no fill through a reduce-only order, maker or taker, ever takes more
 * than its account's unreserved position in the direction it reduces: none over-closes or flips a
 * position. And after every operation each resting reduce-only order is at most what its account
 * can still reduce.
 */
import { CascadeError } from "@cascade/core";
import { BUY, SELL, type Side } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  advanceOp,
  auctionOp,
  auctionShare,
  submitOrder,
  TRADERS,
  trader,
  tradersVenue,
  transferOp,
  transferShare,
} from "./op-streams.js";

const side = fc.constantFrom(BUY, SELL);

const opArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant("reduceOnly" as const),
      t: trader,
      side,
      qty: fc.integer({ min: 1, max: 30 }),
      off: fc.integer({ min: -6, max: 6 }),
      market: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("plain" as const),
      // the traders' own orders (they hit their own resting orders too) or the maker's
      who: fc.integer({ min: 0, max: TRADERS }),
      side,
      qty: fc.integer({ min: 1, max: 40 }),
      off: fc.integer({ min: -8, max: 8 }),
      market: fc.boolean(),
    }),
  },
  transferOp,
  auctionOp,
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("take" as const),
      who: fc.integer({ min: 0, max: TRADERS }),
      pick: fc.nat(),
      qty: fc.integer({ min: 1, max: 30 }),
    }),
  },
  advanceOp,
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cancel" as const), pick: fc.nat() }) },
);

describe("reduce-only orders never over-close or flip a position", () => {
  it("holds on random streams of stacked reduce-only orders and everything else that moves positions", () => {
    let roFills = 0;
    let stacked = 0;
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 20, maxLength: 70 }),
        fc.integer({ min: 1, max: 40 }),
        (ops, start) => {
          // each trader starts long or short `start` lots (alternating), bought from the maker
          const { v, accounts } = tradersVenue(start, { makerBps: 1, takerBps: 3 });
          const ro = new Set<number>();
          let roTaker = false; // a reduce-only order is being submitted: every fill's taker is it
          const problems: string[] = [];
          // a fill through a reduce-only order of `a` on `s`: at most a's position that s reduces,
          // less the lots a's own auctions on that side hold, read before the fill (fills$ observers
          // see it booked: undo it). A sell auction holds lots of a long, a buy auction of a short.
          const check = (a: number, s: Side, q: number, why: string) => {
            const pos = v.position(a, 0) + (s === SELL ? q : -q);
            let held = 0;
            for (const au of v.openAuctions()) if (au.seller === a && au.side === s) held += au.remaining;
            const reducible = (s === SELL ? pos : -pos) - held;
            roFills++;
            if (q > reducible)
              problems.push(
                `${why}: ${q} lots, account ${a} could reduce ${reducible} (position ${pos}, auctions hold ${held})`,
              );
            const after = v.position(a, 0);
            if (Math.sign(after) === -Math.sign(pos))
              problems.push(`${why}: position ${pos} flipped to ${after}`);
          };
          v.fills$.subscribe((f) => {
            const makerSide: Side = f.takerSide === BUY ? SELL : BUY;
            const makerAcct = makerSide === BUY ? f.buyer : f.seller;
            const takerAcct = makerSide === BUY ? f.seller : f.buyer;
            if (ro.has(f.makerOrderId)) check(makerAcct, makerSide, f.quantity, "reduce-only maker");
            if (roTaker) check(takerAcct, f.takerSide, f.quantity, "reduce-only taker");
          });
          let tick = 0;
          for (const o of ops) {
            try {
              if (o.op === "reduceOnly" || o.op === "plain") {
                const a = o.op === "reduceOnly" ? accounts[o.t] : accounts[o.who];
                const before = v.openOrders(a).filter((id) => ro.has(id)).length;
                roTaker = o.op === "reduceOnly";
                const r = submitOrder(v, a, o, o.op === "reduceOnly");
                if (o.op === "reduceOnly" && r.resting > 0) {
                  ro.add(r.orderId);
                  if (before > 0) stacked++;
                }
              } else if (o.op === "transfer") {
                if (o.from !== o.to) transferShare(v, accounts[o.from], accounts[o.to], o.frac, "test");
              } else if (o.op === "auction") {
                auctionShare(v, accounts[o.t], o.frac);
              } else if (o.op === "take") {
                const open = v.openAuctions();
                if (open.length > 0) {
                  const au = open[o.pick % open.length];
                  const bidder = accounts[o.who];
                  if (bidder !== au.seller)
                    v.takeAuction(
                      au.id,
                      bidder,
                      Math.min(o.qty, au.remaining),
                      au.side === SELL ? 1100 : 900,
                    );
                }
              } else if (o.op === "advance") {
                v.advance(++tick);
              } else {
                const all = accounts.flatMap((a) => v.openOrders(a).map((id) => [a, id] as const));
                if (all.length > 0) {
                  const [a, id] = all[o.pick % all.length];
                  v.cancel(a, id);
                }
              }
            } catch (e) {
              if (!(e instanceof CascadeError)) throw e; // e.g. a reduce-only order with nothing to reduce
            }
            roTaker = false;
            // every resting reduce-only order is at most what its account can still reduce
            for (const a of accounts)
              for (const id of v.openOrders(a)) {
                if (!ro.has(id)) continue;
                const s = v.book(0).orderSide(id);
                const can = v.reducibleQuantity(a, 0, s);
                if (v.book(0).remaining(id) > can)
                  problems.push(
                    `resting reduce-only ${id} of ${a}: ${v.book(0).remaining(id)} > ${can} it can reduce`,
                  );
              }
            if (v.totalPosition(0) !== 0 || v.totalCash() !== v.totalDeposits) problems.push("not conserved");
            if (problems.length > 0) throw new Error(`${problems[0]} after ${JSON.stringify(o)}`);
          }
        },
      ),
      { numRuns: 250 },
    );
    // the streams did stack reduce-only orders and fill through them
    expect(stacked).toBeGreaterThan(50);
    expect(roFills).toBeGreaterThan(500);
  });
});
