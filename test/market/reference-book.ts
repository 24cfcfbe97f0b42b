/**
 * A deliberately simple reference limit order book for differential testing of OrderBook.
 * Sorted arrays of plain objects, linear scans everywhere: slow but obviously correct.
 * Same semantics: price-time priority, fills at the maker's price, STP cancels the resting order,
 * IOC / market remainders cancelled (CANCEL_UNFILLED, market reports its effective limit price:
 * worstPrice, or maxPrice for a buy / minPrice for a sell), post-only that would cross is not placed.
 * Reduce-only orders (given `positions`, the owners' signed positions, which fills update): a resting
 * one is cut to what its owner can still reduce (its long for a sell, its short for a buy) just
 * before a taker of another owner reaches it (cancel reason 4), removed when that is nothing.
 * Rejections throw { code } with the same validation order as the real book.
 */
import type { BookListener, OrderBook } from "../../packages/market/src/orderbook.js";

export type Ev =
  | ["fill", number, number, number, number, number, number, number, number]
  | ["cancel", number, number, number, number, number, number]
  | ["rest", number, number, number, number, number];

export interface RefOrder {
  id: number;
  owner: number;
  side: 1 | -1;
  price: number;
  qty: number;
  seq: number;
  reduceOnly: boolean;
}

/** Thrown by ReferenceBook on rejection (not an Error: no stack capture, the tests only need the code). */
export class RefError {
  constructor(readonly code: string) {}
}

const isSafeNonNeg = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

export class ReferenceBook {
  bids: RefOrder[] = []; // best (highest) price first, then arrival
  asks: RefOrder[] = []; // best (lowest) price first, then arrival
  events: Ev[] = [];
  private seq = 0;

  constructor(
    readonly minPrice: number,
    readonly maxPrice: number,
    /** Owner -> signed position; without it reduce-only orders are refused, as by a bare OrderBook. */
    readonly positions?: Map<number, number>,
  ) {}

  /** What a reduce-only order of `side` of `owner` may still fill: its long (sell) or short (buy). */
  private allowance(owner: number, side: 1 | -1): number {
    const q = this.positions?.get(owner) ?? 0;
    return Math.max(0, side === -1 ? q : -q);
  }

  get(id: number): RefOrder | undefined {
    return this.bids.find((o) => o.id === id) ?? this.asks.find((o) => o.id === id);
  }

  private validPrice(p: unknown): boolean {
    return Number.isInteger(p) && (p as number) >= this.minPrice && (p as number) <= this.maxPrice;
  }

  private validate(
    id: number,
    owner: number,
    side: number,
    price: unknown,
    qty: number,
    tif: number,
    market: boolean,
  ) {
    if (!isSafeNonNeg(id)) throw new RefError("INVALID_ORDER_ID");
    if (this.get(id)) throw new RefError("DUPLICATE_ORDER_ID");
    if (!isSafeNonNeg(owner)) throw new RefError("INVALID_OWNER");
    if (side !== 1 && side !== -1) throw new RefError("INVALID_SIDE");
    if (market ? price !== undefined && !this.validPrice(price) : !this.validPrice(price)) {
      throw new RefError("INVALID_PRICE");
    }
    if (!Number.isSafeInteger(qty) || qty <= 0) throw new RefError("INVALID_QUANTITY");
    if (tif !== 0 && tif !== 1 && tif !== 2) throw new RefError("INVALID_TIME_IN_FORCE");
  }

  private crosses(side: number, makerPrice: number, limit: number): boolean {
    return side === 1 ? makerPrice <= limit : makerPrice >= limit;
  }

  private match(id: number, owner: number, side: 1 | -1, limit: number, qty: number): number {
    const opp = side === 1 ? this.asks : this.bids;
    let rem = qty;
    while (rem > 0 && opp.length > 0 && this.crosses(side, opp[0].price, limit)) {
      const m = opp[0];
      if (m.owner === owner) {
        opp.shift();
        this.events.push(["cancel", m.id, m.owner, m.side, m.price, m.qty, 1]);
        continue;
      }
      if (m.reduceOnly) {
        const allowed = this.allowance(m.owner, m.side);
        if (allowed < m.qty) {
          const cut = m.qty - allowed;
          m.qty = allowed;
          if (allowed === 0) opp.shift();
          this.events.push(["cancel", m.id, m.owner, m.side, m.price, cut, 4]);
          if (allowed === 0) continue;
        }
      }
      const f = Math.min(rem, m.qty);
      m.qty -= f;
      rem -= f;
      if (m.qty === 0) opp.shift();
      const pos = this.positions;
      if (pos !== undefined) {
        const buyer = side === 1 ? owner : m.owner;
        const seller = side === 1 ? m.owner : owner;
        pos.set(buyer, (pos.get(buyer) ?? 0) + f);
        pos.set(seller, (pos.get(seller) ?? 0) - f);
      }
      this.events.push(["fill", m.id, m.owner, id, owner, side, m.price, f, m.qty]);
    }
    return rem;
  }

  private rest(id: number, owner: number, side: 1 | -1, price: number, qty: number, reduceOnly: boolean) {
    const o: RefOrder = { id, owner, side, price, qty, seq: this.seq++, reduceOnly };
    // insert before the first order with a worse price (behind every order at the same price)
    const list = side === 1 ? this.bids : this.asks;
    const at = list.findIndex((x) => (side === 1 ? x.price < price : x.price > price));
    if (at === -1) list.push(o);
    else list.splice(at, 0, o);
    this.events.push(["rest", id, owner, side, price, qty]);
  }

  limit(
    id: number,
    owner: number,
    side: 1 | -1,
    price: number,
    qty: number,
    tif = 0,
    reduceOnly = false,
  ): number {
    this.validate(id, owner, side, price, qty, tif, false);
    if (reduceOnly && this.positions === undefined) throw new RefError("INVALID_ORDER_TYPE");
    if (tif === 2) {
      // refused only if it would take liquidity: a crossing order of another owner that can fill
      // (a reduce-only one only with something left to reduce); else matching cancels what it
      // crosses (its owner's orders, reduce-only orders cut to nothing), fills nothing, and it rests
      const opp = side === 1 ? this.asks : this.bids;
      const takes = (m: RefOrder) =>
        this.crosses(side, m.price, price) &&
        m.owner !== owner &&
        (!m.reduceOnly || this.allowance(m.owner, m.side) > 0);
      if (opp.some(takes)) {
        this.events.push(["cancel", id, owner, side, price, qty, 2]);
        return 0;
      }
      this.match(id, owner, side, price, qty);
      this.rest(id, owner, side, price, qty, reduceOnly);
      return 0;
    }
    const rem = this.match(id, owner, side, price, qty);
    if (rem > 0) {
      if (tif === 0) this.rest(id, owner, side, price, rem, reduceOnly);
      else this.events.push(["cancel", id, owner, side, price, rem, 3]);
    }
    return qty - rem;
  }

  market(id: number, owner: number, side: 1 | -1, qty: number, worstPrice?: number): number {
    this.validate(id, owner, side, worstPrice, qty, 0, true);
    const limit = worstPrice ?? (side === 1 ? this.maxPrice : this.minPrice);
    const rem = this.match(id, owner, side, limit, qty);
    if (rem > 0) this.events.push(["cancel", id, owner, side, limit, rem, 3]);
    return qty - rem;
  }

  private lookup(id: number): RefOrder {
    if (!isSafeNonNeg(id)) throw new RefError("INVALID_ORDER_ID");
    const o = this.get(id);
    if (!o) throw new RefError("UNKNOWN_ORDER");
    return o;
  }

  cancel(id: number): number {
    const o = this.lookup(id);
    const list = o.side === 1 ? this.bids : this.asks;
    list.splice(list.indexOf(o), 1);
    this.events.push(["cancel", o.id, o.owner, o.side, o.price, o.qty, 0]);
    return o.qty;
  }

  reduce(id: number, newQty: number): number {
    const o = this.lookup(id);
    if (!Number.isSafeInteger(newQty) || newQty < 0 || newQty > o.qty) throw new RefError("INVALID_QUANTITY");
    if (newQty === o.qty) return 0;
    if (newQty === 0) return this.cancel(id);
    const removed = o.qty - newQty;
    o.qty = newQty;
    this.events.push(["cancel", o.id, o.owner, o.side, o.price, removed, 0]);
    return removed;
  }

  bestBid(): number {
    return this.bids.length ? this.bids[0].price : 0;
  }

  bestAsk(): number {
    return this.asks.length ? this.asks[0].price : 0;
  }

  /** Same definition as OrderBook.depthWithin (bounds inclusive). */
  depthWithin(side: 1 | -1, fraction: number): number {
    const list = side === 1 ? this.bids : this.asks;
    if (list.length === 0) return 0;
    const other = side === 1 ? this.asks : this.bids;
    const ref = other.length ? (this.bestBid() + this.bestAsk()) / 2 : list[0].price;
    const lo = ref - ref * fraction;
    const hi = ref + ref * fraction;
    return list
      .filter((o) => (side === 1 ? o.price >= lo - 1e-9 : o.price <= hi + 1e-9))
      .reduce((s, o) => s + o.qty, 0);
  }

  /** Levels best-first: [price, totalQty]. */
  levels(side: 1 | -1): [number, number][] {
    const out: [number, number][] = [];
    for (const o of side === 1 ? this.bids : this.asks) {
      const last = out[out.length - 1];
      if (last && last[0] === o.price) last[1] += o.qty;
      else out.push([o.price, o.qty]);
    }
    return out;
  }

  snapshot() {
    const list = (l: RefOrder[]) => l.map((o) => [o.id, o.owner, o.price, o.qty]);
    const sum = (l: RefOrder[]) => l.reduce((s, o) => s + o.qty, 0);
    return {
      bids: list(this.bids),
      asks: list(this.asks),
      bestBid: this.bestBid(),
      bestAsk: this.bestAsk(),
      orderCount: this.bids.length + this.asks.length,
      bidQty: sum(this.bids),
      askQty: sum(this.asks),
      bidLevels: this.levels(1).length,
      askLevels: this.levels(-1).length,
    };
  }
}

// ---- helpers shared by the order book tests -------------------------------------------------

/** Full observable state of a real OrderBook, in the same shape as ReferenceBook.snapshot(). */
export function snapshotBook(book: OrderBook) {
  const list = (side: 1 | -1) => {
    const out: number[][] = [];
    book.forEachOrder(side, (id, owner, price, qty) => out.push([id, owner, price, qty]));
    return out;
  };
  return {
    bids: list(1),
    asks: list(-1),
    bestBid: book.bestBid(),
    bestAsk: book.bestAsk(),
    orderCount: book.orderCount(),
    bidQty: book.totalQuantity(1),
    askQty: book.totalQuantity(-1),
    bidLevels: book.levelCount(1),
    askLevels: book.levelCount(-1),
  };
}

/**
 * A listener that records every event as a tuple (same shape as ReferenceBook.events). Given
 * `positions` (owner -> signed position) it books every fill into it and answers
 * reduceOnlyAllowance from it, as the ReferenceBook with the same map does.
 */
export function recorder(positions?: Map<number, number>): BookListener & { events: Ev[] } {
  const events: Ev[] = [];
  const listener: BookListener & { events: Ev[] } = {
    events,
    onFill(makerId, makerOwner, takerId, takerOwner, takerSide, price, qty, makerRemaining) {
      if (positions !== undefined) {
        const buyer = takerSide === 1 ? takerOwner : makerOwner;
        const seller = takerSide === 1 ? makerOwner : takerOwner;
        positions.set(buyer, (positions.get(buyer) ?? 0) + qty);
        positions.set(seller, (positions.get(seller) ?? 0) - qty);
      }
      events.push(["fill", makerId, makerOwner, takerId, takerOwner, takerSide, price, qty, makerRemaining]);
    },
    onCancel(orderId, owner, side, price, qty, reason) {
      events.push(["cancel", orderId, owner, side, price, qty, reason]);
    },
    onRest(orderId, owner, side, price, qty) {
      events.push(["rest", orderId, owner, side, price, qty]);
    },
  };
  if (positions !== undefined) {
    listener.reduceOnlyAllowance = (_id, owner, side) => {
      const q = positions.get(owner) ?? 0;
      return side === -1 ? q : -q;
    };
  }
  return listener;
}

/** mulberry32: tiny seeded PRNG in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
