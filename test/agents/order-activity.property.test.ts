/**
 * orderActivity(venue) accounts for every order and auction take an agent asks for: each `limit`,
 * `ioc` and `takeAuction` call of at least one lot is sent (limitOrders, auctionBids) or counted in
 * exactly one skip. Before, a reduce-only order with nothing left to reduce and a take capped to 0
 * (by margin, by the bidder's own auctioned lots, or a frozen bidder) were counted nowhere, and a
 * take that found the auction's price beyond its bound was indistinguishable from one never made.
 * X at 100,000; three traders on margin (10% initial), long or short, a margin-exempt liquidity provider.
 */
import { AgentView, marketTape, type OrderActivity, orderActivity } from "@cascade/agents";
import { Rng } from "@cascade/core";
import { BUY, SELL, type Side } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeMarket } from "./helpers.js";

const P = 100_000;

function accounted(a: OrderActivity): number {
  return (
    a.limitOrders +
    a.auctionBids +
    a.skippedForMargin +
    a.skippedForAuction +
    a.skippedInLiquidation +
    a.skippedNothingToReduce
  );
}

/** A venue with an LP quoting both sides and three traders (cash 2e6, 5e5, 2e5) holding `start[k]` lots (signed). */
function world(start: readonly number[]) {
  const m = makeMarket();
  const { venue, loop } = m;
  const lp = venue.openAccount("lp", { marginExempt: true });
  venue.deposit(lp, 1e13);
  const quote = () => {
    venue.submit({ account: lp, instrument: 0, side: SELL, quantity: 200, type: "limit", price: P + 100 });
    venue.submit({ account: lp, instrument: 0, side: BUY, quantity: 200, type: "limit", price: P - 100 });
  };
  quote();
  const tape = marketTape(venue, loop);
  const cash = [2e6, 5e5, 2e5];
  const views = start.map((q, k) => {
    const a = venue.openAccount(`t${k}`);
    venue.deposit(a, cash[k]);
    if (q !== 0)
      venue.submit({
        account: a,
        instrument: 0,
        side: q > 0 ? BUY : SELL,
        quantity: Math.abs(q),
        type: "market",
      });
    return new AgentView(venue, tape, a, Rng.fromSeed(k + 1));
  });
  loop.step();
  return { venue, loop, lp, views, quote };
}

const trader = fc.integer({ min: 0, max: 2 });
const side = fc.constantFrom(BUY, SELL) as fc.Arbitrary<Side>;
// mostly whole lots, some under one lot (nothing asked: not a submitted order)
const qty = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 1, arbitrary: fc.constant(0.5) },
);

const opArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("limit" as const),
      t: trader,
      side,
      qty,
      off: fc.integer({ min: -300, max: 300 }),
      reduceOnly: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("ioc" as const),
      t: trader,
      side,
      qty,
      off: fc.integer({ min: -300, max: 300 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("take" as const),
      t: trader,
      pick: fc.nat(),
      qty,
      // the bound relative to the auction's price: beyond it (0 taken) or within
      slack: fc.integer({ min: -2_000, max: 5_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("auction" as const),
      t: trader,
      frac: fc.double({ min: 0.1, max: 1, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("freeze" as const), t: trader, on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cancelAll" as const), t: trader }) },
  { weight: 1, arbitrary: fc.constant({ op: "step" as const }) },
);

describe("orderActivity accounts for every order and take an agent asks for", () => {
  it("submitted = limitOrders + auctionBids + every skip, over random agent activity", () => {
    const seen = {
      skippedForMargin: 0,
      skippedForAuction: 0,
      skippedInLiquidation: 0,
      skippedNothingToReduce: 0,
      missedBids: 0,
      takes: 0,
      skippedTakes: 0,
    };
    fc.assert(
      fc.property(
        fc.tuple(
          fc.integer({ min: -12, max: 12 }),
          fc.integer({ min: -12, max: 12 }),
          fc.integer({ min: -12, max: 12 }),
        ),
        fc.array(opArb, { minLength: 10, maxLength: 60 }),
        (start, ops) => {
          const { venue, loop, views, quote } = world(start);
          const act = orderActivity(venue);
          let submitted = 0;
          for (const o of ops) {
            const before = accounted(act);
            let asked = false;
            if (o.op === "limit") {
              asked = Math.floor(o.qty) >= 1;
              views[o.t].limit(0, o.side, o.qty, P + o.off, "GTC", o.reduceOnly);
            } else if (o.op === "ioc") {
              asked = Math.floor(o.qty) >= 1;
              views[o.t].ioc(0, o.side, o.qty, P + o.off);
            } else if (o.op === "take") {
              const v = views[o.t];
              const open = venue.openAuctions().filter((a) => a.seller !== v.account);
              if (open.length === 0 || Math.floor(o.qty) < 1) continue;
              const a = open[o.pick % open.length];
              const price = venue.auctionPrice(a.id);
              const skipsBefore = accounted(act) - act.limitOrders - act.auctionBids;
              const bidsBefore = act.auctionBids;
              const takesBefore = act.auctionTakes;
              const got = v.takeAuction(a.id, o.qty, a.side === SELL ? price + o.slack : price - o.slack);
              asked = true;
              if (act.auctionBids > bidsBefore && got === 0) seen.missedBids++;
              expect(act.auctionTakes - takesBefore).toBe(got > 0 ? 1 : 0);
              if (accounted(act) - act.limitOrders - act.auctionBids > skipsBefore) seen.skippedTakes++;
              if (got > 0) seen.takes++;
            } else if (o.op === "auction") {
              const v = views[o.t];
              const q = venue.position(v.account, 0);
              const free = Math.abs(q) - venue.reserved(v.account, 0);
              if (free > 0) {
                const s: Side = q > 0 ? SELL : BUY;
                venue.openAuction({
                  seller: v.account,
                  instrument: 0,
                  side: s,
                  quantity: Math.max(1, Math.floor(free * o.frac)),
                  startPrice: s === SELL ? P + 1_000 : P - 1_000,
                  limitPrice: s === SELL ? P - 3_000 : P + 3_000,
                  decayPerTick: 0.005,
                  durationTicks: 6,
                });
              }
            } else if (o.op === "freeze") {
              if (o.on) venue.freeze(views[o.t].account, "test");
              else venue.unfreeze(views[o.t].account);
            } else if (o.op === "cancelAll") {
              views[o.t].cancelAll();
            } else {
              loop.step();
              quote();
            }
            if (asked) submitted++;
            // each call asked for counts once; nothing else counts
            expect(accounted(act) - before).toBe(asked ? 1 : 0);
            expect(accounted(act)).toBe(submitted);
            expect(views.reduce((s, v) => s + v.ordersSent, 0)).toBe(act.limitOrders);
          }
          seen.skippedForMargin += act.skippedForMargin;
          seen.skippedForAuction += act.skippedForAuction;
          seen.skippedInLiquidation += act.skippedInLiquidation;
          seen.skippedNothingToReduce += act.skippedNothingToReduce;
        },
      ),
      { numRuns: 200 },
    );
    // every kind of skip, bids that took nothing and takes skipped before the venue did occur
    for (const [k, n] of Object.entries(seen)) expect(n, k).toBeGreaterThan(10);
  });

  it("counts the skips the old code left out, each in its place", () => {
    const { venue, views, loop } = world([10, -10, 0]);
    const act = orderActivity(venue);
    const [long, short, flat] = views;
    // reduce-only with nothing to reduce: flat, the wrong side, and all of it under auction
    expect(flat.limit(0, SELL, 3, P, "GTC", true)).toBe(-1);
    expect(long.limit(0, BUY, 3, P, "GTC", true)).toBe(-1);
    const id = venue.openAuction({
      seller: long.account,
      instrument: 0,
      side: SELL,
      quantity: 10,
      startPrice: P + 1_000,
      limitPrice: P - 3_000,
      decayPerTick: 0.005,
      durationTicks: 6,
    });
    expect(long.limit(0, SELL, 3, P, "GTC", true)).toBe(-1);
    expect(act.skippedNothingToReduce).toBe(3);
    // a take bounded below the auction's price is sent and takes nothing
    loop.step();
    expect(short.takeAuction(id, 2, venue.auctionPrice(id) - 1)).toBe(0);
    expect([act.auctionBids, act.auctionTakes]).toEqual([1, 0]);
    // a frozen bidder's take is not sent: skippedInLiquidation (as the README said it was)
    venue.freeze(short.account, "test");
    expect(short.takeAuction(id, 2, P + 5_000)).toBe(0);
    expect(act.skippedInLiquidation).toBe(1);
    venue.unfreeze(short.account);
    // a take beyond what margin carries, capped to 0: skippedForMargin
    const big = flat.maxQuantity(0, BUY, venue.auctionPrice(id));
    expect(flat.ioc(0, BUY, big, P + 100)).toBe(big);
    expect(flat.takeAuction(id, 2, P + 5_000)).toBe(0);
    expect(act.skippedForMargin).toBe(1);
    expect(short.takeAuction(id, 2, P + 5_000)).toBe(2);
    expect([act.auctionBids, act.auctionTakes]).toEqual([2, 1]);
  });
});
