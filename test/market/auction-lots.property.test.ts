/**
 * An open auction's lots are the auction's. Property: on random streams where accounts under
 * auction keep trading (plain and reduce-only orders, market and resting, crossing each other's;
 * auction takes of other accounts' auctions; transfers out of their positions and into them, as
 * an ADL moves lots into a position under auction; new auctions over resting orders; expiries and
 * cancels), at every fill and after every operation the lots an account's open sell auctions hold
 * are at most its long, those of its buy auctions at most its short, and `reserved` never exceeds
 * the position; so a take within its price bound gets min(quantity, remaining), the venue needs
 * no cap by the seller's holding.
 */
import { CascadeError } from "@cascade/core";
import { BUY, SELL } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  advanceOp,
  auctionOp,
  auctionShare,
  submitOrder,
  trader,
  tradersVenue,
  transferOp,
  transferShare,
} from "./op-streams.js";

const side = fc.constantFrom(BUY, SELL);

const opArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("order" as const),
      t: trader,
      side,
      qty: fc.integer({ min: 1, max: 30 }),
      off: fc.integer({ min: -6, max: 6 }),
      market: fc.boolean(),
      reduceOnly: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("liquidity" as const),
      side,
      qty: fc.integer({ min: 1, max: 40 }),
      off: fc.integer({ min: -8, max: 8 }),
    }),
  },
  transferOp,
  auctionOp,
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("take" as const),
      t: trader,
      pick: fc.nat(),
      qty: fc.integer({ min: 1, max: 30 }),
    }),
  },
  advanceOp,
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cancelAuction" as const), pick: fc.nat() }) },
);

describe("an account's open auctions never hold more lots than its position", () => {
  it("holds while accounts under auction trade, take, transfer and open more auctions", () => {
    let underAuction = 0; // orders and takes tried by an account whose auctions hold lots
    let refused = 0;
    let intoAuctioned = 0; // transfers into an account whose auctions hold lots
    let takes = 0; // takes the venue accepted
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 20, maxLength: 70 }),
        fc.integer({ min: 1, max: 40 }),
        (ops, start) => {
          const { v, accounts, maker } = tradersVenue(start);
          const problems: string[] = [];
          const check = (why: string) => {
            for (const a of accounts) {
              let long = 0;
              let short = 0;
              for (const au of v.openAuctions())
                if (au.seller === a) {
                  if (au.side === SELL) long += au.remaining;
                  else short += au.remaining;
                }
              const q = v.position(a, 0);
              if (long > Math.max(q, 0) || short > Math.max(-q, 0))
                problems.push(`${why}: account ${a} at ${q}, its auctions hold ${long} long, ${short} short`);
              if (v.reserved(a, 0) > Math.abs(q))
                problems.push(`${why}: reserved ${v.reserved(a, 0)} > |${q}|`);
            }
          };
          v.fills$.subscribe(() => check("fill"));
          let tick = 0;
          const held = (a: number) => v.openAuctions().some((au) => au.seller === a);
          for (const o of ops) {
            try {
              if (o.op === "order") {
                const a = accounts[o.t];
                if (held(a)) underAuction++;
                submitOrder(v, a, o, o.reduceOnly);
              } else if (o.op === "liquidity") {
                v.submit({
                  account: maker,
                  instrument: 0,
                  side: o.side,
                  quantity: o.qty,
                  type: "limit",
                  price: 1000 + o.off,
                });
              } else if (o.op === "transfer") {
                if (o.from !== o.to) {
                  if (held(accounts[o.to])) intoAuctioned++;
                  transferShare(v, accounts[o.from], accounts[o.to], o.frac, "t");
                }
              } else if (o.op === "auction") {
                auctionShare(v, accounts[o.t], o.frac);
              } else if (o.op === "take") {
                const open = v.openAuctions();
                const bidder = accounts[o.t];
                if (open.length > 0) {
                  const au = open[o.pick % open.length];
                  if (bidder !== au.seller) {
                    if (held(bidder)) underAuction++;
                    // at a price within the bound a take not refused gets all it asks of what is
                    // left: the auction's lots are always the seller's to give (no cap by holding)
                    const got = v.takeAuction(au.id, bidder, o.qty, au.side === SELL ? 1100 : 900);
                    if (got !== Math.min(o.qty, au.remaining))
                      problems.push(`take of ${o.qty} from ${au.remaining} left got ${got}`);
                    takes++;
                  }
                }
              } else if (o.op === "advance") {
                v.advance(++tick);
              } else {
                const open = v.openAuctions();
                if (open.length > 0) v.cancelAuction(open[o.pick % open.length].id);
              }
            } catch (e) {
              if (!(e instanceof CascadeError)) throw e;
              if (e.code === "AUCTIONED_LOTS") refused++;
            }
            check("after");
            if (v.totalPosition(0) !== 0 || v.totalCash() !== v.totalDeposits) problems.push("not conserved");
            if (problems.length > 0) throw new Error(`${problems[0]} after ${JSON.stringify(o)}`);
          }
        },
      ),
      { numRuns: 250 },
    );
    // the streams did trade under auction, and the venue did refuse some of it
    expect(underAuction).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(100);
    expect(intoAuctioned).toBeGreaterThan(100);
    expect(takes).toBeGreaterThan(300);
  });
});
