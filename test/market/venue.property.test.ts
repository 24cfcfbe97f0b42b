import { CascadeError } from "@cascade/core";
import {
  type AuctionEvent,
  type BookUpdate,
  BUY,
  type Fill,
  SELL,
  type Transfer,
  Venue,
} from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkBookkeeping, snapshot } from "./venue-helpers.js";

/** Mostly valid values, sometimes an invalid one. */
function mostly<T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 25, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}
const acct = mostly(fc.integer({ min: 0, max: 4 }), fc.constantFrom(99, -1, 1.5));
const instr = mostly(fc.constantFrom(0, 1), fc.constantFrom(2, Number.NaN));
const qtyArb = mostly(
  fc.integer({ min: 1, max: 40 }),
  fc.constantFrom(0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
);
const badPrice = mostly(
  fc.constant(null),
  fc.constantFrom(Number.NaN, 100.5, 1e9, -5, Number.NEGATIVE_INFINITY),
);

const opArb = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant("submit" as const),
      account: acct,
      instrument: instr,
      side: mostly(fc.constantFrom(1, -1), fc.constant(0)),
      quantity: qtyArb,
      type: mostly(fc.constantFrom("limit", "limit", "market"), fc.constant("bogus")),
      off: fc.integer({ min: -12, max: 12 }),
      bad: badPrice,
      tif: mostly(fc.constantFrom(undefined, "GTC", "IOC", "POST_ONLY"), fc.constant("FOK")),
      reduceOnly: mostly(fc.constantFrom(undefined, undefined, false, true), fc.constant("yes")),
      worst: fc.option(fc.integer({ min: -15, max: 15 }), { freq: 2 }),
      tag: mostly(fc.constantFrom(undefined, 5), fc.constant(1.5)),
      // sometimes the fields of the other order type too (refused)
      cross: mostly(fc.constant(false), fc.constant(true)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("cancel" as const),
      account: acct,
      foreign: mostly(fc.constant(false), fc.constant(true)),
      pick: fc.nat(),
      bogus: mostly(fc.constant(false), fc.constant(true)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("reduce" as const),
      account: acct,
      foreign: mostly(fc.constant(false), fc.constant(true)),
      pick: fc.nat(),
      q: mostly(fc.integer({ min: 0, max: 25 }), fc.constant(-1)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("cancelAll" as const),
      account: acct,
      instrument: fc.option(instr),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("deposit" as const),
      account: acct,
      amount: mostly(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(0, -5, 2.5, Number.NaN)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("cash" as const),
      from: acct,
      to: acct,
      amount: mostly(fc.integer({ min: 0, max: 50_000 }), fc.constantFrom(-1, 0.5, Number.NaN)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("position" as const),
      from: acct,
      to: acct,
      instrument: instr,
      auto: mostly(fc.constant(true), fc.constant(false)),
      frac: fc.double({ min: 0, max: 1, noNaN: true }),
      quantity: fc.integer({ min: -25, max: 25 }),
      price: mostly(fc.integer({ min: 0, max: 1500 }), fc.constantFrom(-1, 1.5, Number.NaN)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("auction" as const),
      seller: acct,
      instrument: instr,
      side: mostly(fc.constantFrom(1, -1), fc.constant(2)),
      auto: mostly(fc.constant(true), fc.constant(false)),
      frac: fc.double({ min: 0, max: 1, noNaN: true }),
      quantity: fc.integer({ min: -1, max: 30 }),
      startOff: fc.integer({ min: -5, max: 10 }),
      limitOff: fc.integer({ min: -20, max: 20 }),
      decay: mostly(fc.constantFrom(0.01, 0.05), fc.constantFrom(0, 1.5)),
      duration: mostly(fc.constantFrom(1, 3, 10), fc.constant(0)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("take" as const),
      pick: fc.nat(),
      bidder: acct,
      quantity: qtyArb,
      maxOff: fc.integer({ min: -30, max: 30 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cancelAuction" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("advance" as const), dt: fc.integer({ min: 0, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("marks" as const) }) },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

function build(): Venue {
  const v = new Venue({
    instruments: [
      {
        symbol: "A",
        initialPrice: 100,
        contractValue: 3,
        minPrice: 50,
        maxPrice: 200,
        margin: { initial: 0.2, maintenance: 0.1 },
      },
      {
        symbol: "B",
        initialPrice: 1000,
        margin: {
          initial: 0.1,
          maintenance: 0.05,
          tiers: [{ notionalAbove: 20_000, initial: 0.25, maintenance: 0.125 }],
        },
      },
    ],
    fees: { makerBps: -2, takerBps: 7 },
  });
  const deposits = [50_000, 1_000_000, 200_000, 20_000];
  deposits.forEach((d, k) => {
    const a = v.openAccount(`t${k}`, { marginExempt: k === 2 });
    v.deposit(a, d);
  });
  // opening positions (account 3 is exempt and takes the other side) and some resting depth
  for (const [a, i, side, q] of [
    [1, 0, 1, 30],
    [2, 0, -1, 20],
    [4, 0, 1, 10],
    [1, 1, -1, 15],
    [2, 1, 1, 25],
    [4, 1, -1, 5],
  ] as const) {
    const p = i === 0 ? 100 : 1000;
    v.submit({ account: 3, instrument: i, side: side === 1 ? -1 : 1, quantity: q, type: "limit", price: p });
    v.submit({ account: a, instrument: i, side, quantity: q, type: "market" });
    v.submit({
      account: a,
      instrument: i,
      side: side === 1 ? -1 : 1,
      quantity: 3,
      type: "limit",
      price: p + side * 3 * (i + 1),
    });
  }
  return v;
}

/** Resting reduce-only orders of the current run, and whether the operation running is a reduce-only submit. */
const reduceOnlyIds = new Set<number>();
let marketAccepted = 0;
let reduceOnlyTaker = false;

function apply(v: Venue, o: Op): void {
  const price = (i: number, off: number) => {
    const m = Number.isInteger(i) && i >= 0 && i < 2 ? v.mark(i) : 100;
    return Math.round(m) + off * (i === 1 ? 10 : 1);
  };
  const allOrders = () => {
    const ids: number[] = [];
    for (let a = 0; a < v.accountCount(); a++) ids.push(...v.openOrders(a));
    return ids;
  };
  /** An account with a non-zero position in instrument i (chosen by frac), or -1. */
  const pickHolder = (i: number, frac: number) => {
    if (!(i === 0 || i === 1)) return -1;
    const holders = [...v.accountsWithPositions()].filter((a) => v.position(a, i) !== 0);
    return holders.length === 0
      ? -1
      : holders[Math.min(holders.length - 1, Math.floor(frac * holders.length))];
  };
  const ownerOf = (id: number, fallback: number) => {
    for (let a = 0; a < v.accountCount(); a++) if (v.openOrders(a).includes(id)) return a;
    return fallback;
  };
  switch (o.op) {
    case "submit": {
      reduceOnlyTaker = o.reduceOnly === true;
      const r = v.submit({
        account: o.account,
        instrument: o.instrument,
        side: o.side as 1 | -1,
        quantity: o.quantity,
        type: o.type as "limit",
        price: o.type === "market" && !o.cross ? undefined : (o.bad ?? price(o.instrument, o.off)),
        tif: o.type === "market" && !o.cross ? undefined : (o.tif as "GTC"),
        reduceOnly: o.reduceOnly as boolean,
        worstPrice:
          o.worst === null || (o.type !== "market" && !o.cross) ? undefined : price(o.instrument, o.worst),
        tag: o.tag,
      });
      if (o.reduceOnly === true && r.resting > 0) reduceOnlyIds.add(r.orderId);
      if (o.type === "market") marketAccepted++;
      return;
    }
    case "cancel": {
      const ids = allOrders();
      const id = o.bogus || ids.length === 0 ? 1_000_000 + o.pick : ids[o.pick % ids.length];
      v.cancel(o.foreign ? o.account : ownerOf(id, o.account), id);
      return;
    }
    case "reduce": {
      const ids = allOrders();
      const id = ids.length === 0 ? 777 : ids[o.pick % ids.length];
      v.reduceOrder(
        o.foreign ? o.account : ownerOf(id, o.account),
        id,
        Math.min(o.q, v.book(v.orderInstrument(id) < 0 ? 0 : v.orderInstrument(id)).remaining(id)),
      );
      return;
    }
    case "cancelAll":
      v.cancelAll(o.account, o.instrument ?? undefined);
      return;
    case "deposit":
      v.deposit(o.account, o.amount);
      return;
    case "cash":
      v.transferCash(o.from, o.to, o.amount, "prop");
      return;
    case "position": {
      // mostly a valid part of from's unreserved position, sometimes anything
      let q = o.quantity;
      let from = o.from;
      const holder = o.auto ? pickHolder(o.instrument, o.frac) : -1;
      if (holder >= 0) {
        from = holder;
        const pos = v.position(from, o.instrument);
        const free = Math.abs(pos) - v.reserved(from, o.instrument);
        if (free > 0) q = Math.sign(pos) * Math.max(1, Math.ceil(free * o.frac));
      }
      v.transferPosition(from, o.to, o.instrument, q, o.price, "prop");
      return;
    }
    case "auction": {
      const start = price(o.instrument, o.startOff);
      let side = o.side as 1 | -1;
      let q = o.quantity;
      let limit = start + o.limitOff * (o.instrument === 1 ? 10 : 1);
      let seller = o.seller;
      const holder = o.auto ? pickHolder(o.instrument, o.frac) : -1;
      if (holder >= 0) {
        seller = holder;
        const pos = v.position(seller, o.instrument);
        const free = Math.abs(pos) - v.reserved(seller, o.instrument);
        if (free > 0) {
          side = pos > 0 ? -1 : 1;
          q = Math.max(1, Math.ceil(free * o.frac));
          limit = start + side * Math.abs(o.limitOff) * (o.instrument === 1 ? 10 : 1);
        }
      }
      v.openAuction({
        seller,
        instrument: o.instrument,
        side,
        quantity: q,
        startPrice: start,
        limitPrice: limit,
        decayPerTick: o.decay,
        durationTicks: o.duration,
      });
      return;
    }
    case "take": {
      const open = v.openAuctions();
      const id = open.length === 0 ? 1 + o.pick : open[o.pick % open.length].id;
      let max = 100;
      try {
        max = v.auctionPrice(id) + o.maxOff;
      } catch {}
      v.takeAuction(id, o.bidder, o.quantity, max);
      return;
    }
    case "cancelAuction": {
      const open = v.openAuctions();
      v.cancelAuction(open.length === 0 ? 1 + o.pick : open[o.pick % open.length].id);
      return;
    }
    case "advance":
      v.advance(v.tick + o.dt);
      return;
    case "marks":
      v.updateMarks();
      return;
  }
}

/** Cash per account and position per (account, instrument), and each book's orders as a string. */
function ledgerOf(v: Venue) {
  const cash: number[] = [];
  const pos: number[] = [];
  for (let a = 0; a < v.accountCount(); a++) {
    cash.push(v.cash(a));
    for (const i of [0, 1]) pos.push(v.position(a, i));
  }
  const books = [0, 1].map((i) => {
    const rows: number[] = [];
    for (const side of [BUY, SELL] as const)
      v.book(i).forEachOrder(side, (id, owner, price, qty) => rows.push(side, id, owner, price, qty));
    return rows.join();
  });
  return { cash, pos, books };
}

/**
 * Replays one operation's events on the ledger before it: every fill settles its notional between
 * buyer and seller and its fees to the fee account (makerBps -2: a rebate rounded toward zero;
 * takerBps 7: floored), every transfer and auction take moves what it reports, a deposit adds its
 * amount. The result must be the ledger after, so each event was emitted exactly once and each
 * settlement reached every account. book$ emits at most once per instrument per operation, exactly
 * when that book's orders changed, with its final best prices; a rejected operation emits nothing.
 */
function checkEvents(
  v: Venue,
  o: Op,
  accepted: boolean,
  before: ReturnType<typeof ledgerOf>,
  ev: { fills: Fill[]; books: BookUpdate[]; transfers: Transfer[]; auctions: AuctionEvent[] },
): string | undefined {
  const after = ledgerOf(v);
  const n = v.accountCount();
  if (!accepted) {
    const k = ev.fills.length + ev.books.length + ev.transfers.length + ev.auctions.length;
    return k === 0 ? undefined : `rejected ${o.op} emitted ${k} events`;
  }
  const cash = before.cash.slice();
  const pos = before.pos.slice();
  const at = (a: number, i: number) => a * 2 + i;
  for (const f of ev.fills) {
    const maker = f.takerSide === BUY ? f.seller : f.buyer;
    const taker = f.takerSide === BUY ? f.buyer : f.seller;
    if (f.notional !== f.price * f.quantity * v.instruments[f.instrument].contractValue)
      return `fill notional ${f.notional} at ${f.price} x ${f.quantity}`;
    if (
      f.makerFee !== -Math.floor((f.notional * 2) / 10_000) ||
      f.takerFee !== Math.floor((f.notional * 7) / 10_000)
    )
      return `fees ${f.makerFee} / ${f.takerFee} on ${f.notional}`;
    cash[f.buyer] -= f.notional;
    cash[f.seller] += f.notional;
    cash[maker] -= f.makerFee;
    cash[taker] -= f.takerFee;
    cash[v.feeAccount] += f.makerFee + f.takerFee;
    pos[at(f.buyer, f.instrument)] += f.quantity;
    pos[at(f.seller, f.instrument)] -= f.quantity;
  }
  for (const t of ev.transfers) {
    cash[t.from] -= t.kind === "cash" ? t.amount : -t.amount;
    cash[t.to] += t.kind === "cash" ? t.amount : -t.amount;
    if (t.kind === "position") {
      pos[at(t.from, t.instrument)] -= t.quantity;
      pos[at(t.to, t.instrument)] += t.quantity;
    }
  }
  for (const e of ev.auctions) {
    if (e.type !== "taken") continue;
    const { seller, instrument } = e.auction;
    const s = e.auction.side === SELL ? 1 : -1; // SELL: the bidder buys from the seller
    cash[e.bidder] -= s * e.notional;
    cash[seller] += s * e.notional;
    pos[at(e.bidder, instrument)] += s * e.quantity;
    pos[at(seller, instrument)] -= s * e.quantity;
  }
  if (o.op === "deposit") cash[o.account] += o.amount;
  for (let a = 0; a < n; a++) {
    if (cash[a] !== after.cash[a]) return `account ${a}: cash ${after.cash[a]}, events say ${cash[a]}`;
    for (const i of [0, 1])
      if (pos[at(a, i)] !== after.pos[at(a, i)])
        return `account ${a}: position ${after.pos[at(a, i)]} in ${i}, events say ${pos[at(a, i)]}`;
  }
  for (const i of [0, 1]) {
    const updates = ev.books.filter((u) => u.instrument === i);
    const changed = before.books[i] !== after.books[i];
    if (updates.length !== (changed ? 1 : 0))
      return `book ${i} ${changed ? "changed" : "unchanged"}: ${updates.length} book$ updates`;
    const u = updates[0];
    if (u !== undefined && (u.bestBid !== v.book(i).bestBid() || u.bestAsk !== v.book(i).bestAsk()))
      return `book$ ${u.bestBid}/${u.bestAsk}, book ${v.book(i).bestBid()}/${v.book(i).bestAsk()}`;
  }
  return undefined;
}

describe("venue property: conservation and atomic rejection", () => {
  it("holds on random streams of valid and invalid operations", () => {
    let rejected = 0;
    const count = new Map<string, number>();
    const okCount = new Map<string, number>();
    let accepted = 0;
    fc.assert(
      fc.property(fc.noBias(fc.array(opArb, { minLength: 30, maxLength: 80 })), (ops) => {
        const v = build();
        // A reduce-only order's fill never takes more than its owner's unreserved position in the
        // direction it reduces (so it never flips it), whatever else fills in the same sweep.
        reduceOnlyIds.clear();
        const pos = new Map<number, number>();
        const at = (a: number, i: number) => a * 2 + i;
        // Collected, not thrown: RxJS reports an observer's error asynchronously.
        const violations: string[] = [];
        const reduces = (a: number, i: number, side: 1 | -1, qty: number, why: string) => {
          const free = side === -1 ? (pos.get(at(a, i)) ?? 0) : -(pos.get(at(a, i)) ?? 0);
          if (qty > free - v.reserved(a, i))
            violations.push(`${why}: ${qty} lots with ${free} to reduce (reserved ${v.reserved(a, i)})`);
        };
        const ev = {
          fills: [] as Fill[],
          books: [] as BookUpdate[],
          transfers: [] as Transfer[],
          auctions: [] as AuctionEvent[],
        };
        const subs = [
          v.fills$.subscribe((f) => ev.fills.push(f)),
          v.book$.subscribe((u) => ev.books.push(u)),
          v.transfers$.subscribe((t) => ev.transfers.push(t)),
          v.auctions$.subscribe((e) => ev.auctions.push(e)),
        ];
        const sub = v.fills$.subscribe((f) => {
          const makerSide = f.takerSide === 1 ? -1 : 1;
          const maker = makerSide === 1 ? f.buyer : f.seller;
          const taker = makerSide === 1 ? f.seller : f.buyer;
          if (reduceOnlyIds.has(f.makerOrderId))
            reduces(maker, f.instrument, makerSide, f.quantity, "reduce-only maker");
          if (reduceOnlyTaker) reduces(taker, f.instrument, f.takerSide, f.quantity, "reduce-only taker");
          pos.set(at(f.buyer, f.instrument), (pos.get(at(f.buyer, f.instrument)) ?? 0) + f.quantity);
          pos.set(at(f.seller, f.instrument), (pos.get(at(f.seller, f.instrument)) ?? 0) - f.quantity);
        });
        for (const o of ops) {
          count.set(o.op, (count.get(o.op) ?? 0) + 1);
          for (let a = 0; a < v.accountCount(); a++)
            for (const i of [0, 1]) pos.set(at(a, i), v.position(a, i));
          reduceOnlyTaker = false;
          const before = snapshot(v);
          const ledgerBefore = ledgerOf(v);
          for (const list of Object.values(ev)) list.length = 0;
          let ok = false;
          try {
            apply(v, o);
            ok = true;
            accepted++;
            okCount.set(o.op, (okCount.get(o.op) ?? 0) + 1);
          } catch (e) {
            if (!(e instanceof CascadeError)) throw e;
            rejected++;
            const after = snapshot(v);
            if (after !== before) expect(after).toBe(before); // rejected: nothing changed
          }
          const wrong = checkEvents(v, o, ok, ledgerBefore, ev);
          if (wrong !== undefined) throw new Error(`${wrong} after ${JSON.stringify(o)}`);
          // plain checks (vitest's expect is too slow for ~20k steps x several assertions)
          if (v.totalCash() !== v.totalDeposits)
            throw new Error(
              `cash ${v.totalCash()} !== deposits ${v.totalDeposits} after ${JSON.stringify(o)}`,
            );
          if (v.totalPosition(0) !== 0 || v.totalPosition(1) !== 0)
            throw new Error(`positions do not net to 0 after ${JSON.stringify(o)}`);
          checkBookkeeping(v);
          if (violations.length > 0) throw new Error(`${violations[0]} after ${JSON.stringify(o)}`);
        }
        sub.unsubscribe();
        for (const s of subs) s.unsubscribe();
        const reserved = new Map<string, number>();
        for (const au of v.openAuctions()) {
          const key = `${au.seller}:${au.instrument}`;
          reserved.set(key, (reserved.get(key) ?? 0) + au.remaining);
        }
        for (let a = 0; a < v.accountCount(); a++) {
          for (const i of [0, 1]) expect(v.reserved(a, i)).toBe(reserved.get(`${a}:${i}`) ?? 0);
        }
      }),
      { numRuns: 300 },
    );
    // every kind of operation was both exercised and (mostly) accepted
    for (const [op, n] of count)
      expect(okCount.get(op) ?? 0, `${op}: ${okCount.get(op)} of ${n} accepted`).toBeGreaterThan(20);
    expect(accepted).toBeGreaterThan(2000);
    expect(marketAccepted).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(500);
  });
});
