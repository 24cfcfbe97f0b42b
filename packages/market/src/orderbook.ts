/**
 * Limit order book for one instrument: the hot loop of every Cascade study.
 *
 * Layout (no allocation per operation):
 * - Price levels are indexed directly by `price - base` (integer ticks). The level arrays cover a
 *   window of the band [minPrice, maxPrice] that grows (at least doubling, aligned to 1024 levels)
 *   when an order comes to rest outside it: memory follows the prices actually quoted, not the
 *   band, which can be millions of ticks wide (and was allocated and zeroed for every run).
 *   A level holds an intrusive doubly-linked FIFO list of orders (head/tail, side by side in one
 *   array) and its total quantity.
 *   A level is only ever occupied by one side (the book is never crossed at rest), so both sides
 *   share the level arrays; each side has its own two-level occupancy bitset to find the next
 *   non-empty level with word scans (Math.clz32).
 * - Orders live in two typed arrays with a free list, four fields per slot in each (links, level and
 *   side in one Int32Array; id, owner, quantity and the reduce-only flag in one Float64Array), so an
 *   order's fields share a cache line or two rather than one per field; a direct-mapped ring of recent
 *   ids backed by an open-addressing hash (linear probing, backward-shift deletion) maps an order
 *   id to its slot.
 *
 * Semantics: price-time priority, fills at the resting (maker) order's price, self-trade
 * prevention cancels the RESTING order (CANCEL_SELF_TRADE) and matching continues.
 * A market order behaves exactly like an IOC limit order whose limit is `worstPrice`, or the
 * band edge (maxPrice for a buy, minPrice for a sell) when no bound is given; that effective limit
 * is the price reported in its CANCEL_UNFILLED event.
 *
 * Every rejected call throws a CascadeError and leaves the book unchanged.
 *
 * Listener callbacks run synchronously in the middle of matching: they must not call mutating
 * methods of the book (queue reactions instead), and queries made from inside a callback may
 * observe intermediate state (e.g. the best price before the current level is exhausted).
 */
import { CascadeError, copyInto } from "@cascade/core";

export const BUY = 1;
export const SELL = -1;
export type Side = 1 | -1;

export const GTC = 0;
export const IOC = 1;
export const POST_ONLY = 2;
export type TimeInForce = 0 | 1 | 2;

export const CANCEL_USER = 0;
export const CANCEL_SELF_TRADE = 1;
export const CANCEL_POST_ONLY = 2;
/** IOC or market remainder that could not trade. */
export const CANCEL_UNFILLED = 3;
/** A resting reduce-only order cut to what its owner can still reduce, just before it would fill. */
export const CANCEL_REDUCE_ONLY = 4;
export type CancelReason = 0 | 1 | 2 | 3 | 4;

/** Plain callbacks (no RxJS in the hot loop). Called synchronously during matching. */
export interface BookListener {
  /** Incoming (taker) order traded against a resting (maker) order, at the maker's price. makerRemaining = maker's qty left after this fill. */
  onFill(
    makerId: number,
    makerOwner: number,
    takerId: number,
    takerOwner: number,
    takerSide: Side,
    price: number,
    qty: number,
    makerRemaining: number,
  ): void;
  /** Quantity left the book (or never rested) without trading. For CANCEL_UNFILLED/CANCEL_POST_ONLY it is the incoming order's unplaced remainder. */
  onCancel(
    orderId: number,
    owner: number,
    side: Side,
    price: number,
    qty: number,
    reason: CancelReason,
  ): void;
  /** An order (or remainder) came to rest on the book. */
  onRest(orderId: number, owner: number, side: Side, price: number, qty: number): void;
  /**
   * Required for reduce-only orders: the quantity resting reduce-only order `orderId` of `owner`
   * may still fill, asked when a taker reaches it. The book cuts the order to it first (onCancel
   * CANCEL_REDUCE_ONLY), so one sweep through several of an owner's orders cannot flip its position.
   */
  reduceOnlyAllowance?(orderId: number, owner: number, side: Side): number;
}

/** Integer ticks, 1 <= minPrice <= maxPrice. */
export interface OrderBookOptions {
  minPrice: number;
  maxPrice: number;
  listener?: BookListener;
  /** Initial number of order slots (grows by doubling). Default 1024. */
  initialCapacity?: number;
}

/** Largest supported band (levels); 16 bytes per level of the window in use (see `cover`). */
export const MAX_PRICE_LEVELS = 1 << 25;
const MAX_CAPACITY = 1 << 28;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Levels of the first window (centred on the first resting price) and the grid its base moves on. */
const FIRST_WINDOW = 4096;
const WINDOW_ALIGN = 1024;

// Fields of order slot s: oI[4s + NEXT..SIDE], oN[4s + ID..REDUCE_ONLY]. Level l: lvlLink[2l + HEAD/TAIL].
const NEXT = 0;
const PREV = 1;
const LVL = 2;
const SIDE = 3;
const ID = 0;
const OWNER = 1;
const QTY = 2;
/** 1: a reduce-only order (matching asks the listener's reduceOnlyAllowance before filling it). */
const REDUCE_ONLY = 3;
const HEAD = 0;
const TAIL = 1;

// ---------------------------------------------------------------------------------------------
// Two-level bitset helpers. `words` has one bit per level, `summary` one bit per non-zero word.
// ---------------------------------------------------------------------------------------------

function bitSet(words: Int32Array, summary: Int32Array, i: number): void {
  const w = i >>> 5;
  if (words[w] === 0) summary[w >>> 5] |= 1 << (w & 31);
  words[w] |= 1 << (i & 31);
}

function bitClear(words: Int32Array, summary: Int32Array, i: number): void {
  const w = i >>> 5;
  const v = words[w] & ~(1 << (i & 31));
  words[w] = v;
  if (v === 0) summary[w >>> 5] &= ~(1 << (w & 31));
}

/** Lowest set index >= i, or -1. */
function nextAtOrAbove(words: Int32Array, summary: Int32Array, i: number): number {
  const nWords = words.length;
  let w = i >>> 5;
  if (w >= nWords) return -1;
  const m = words[w] & (-1 << (i & 31));
  if (m !== 0) return (w << 5) + (31 - Math.clz32(m & -m));
  w++;
  if (w >= nWords) return -1;
  let s = w >>> 5;
  let sm = summary[s] & (-1 << (w & 31));
  const nS = summary.length;
  while (sm === 0) {
    if (++s >= nS) return -1;
    sm = summary[s];
  }
  const w2 = (s << 5) + (31 - Math.clz32(sm & -sm));
  const m2 = words[w2];
  return (w2 << 5) + (31 - Math.clz32(m2 & -m2));
}

/** Highest set index <= i, or -1. */
function nextAtOrBelow(words: Int32Array, summary: Int32Array, i: number): number {
  if (i < 0) return -1;
  let w = i >>> 5;
  const m = words[w] & (-1 >>> (31 - (i & 31)));
  if (m !== 0) return (w << 5) + (31 - Math.clz32(m));
  w--;
  if (w < 0) return -1;
  let s = w >>> 5;
  let sm = summary[s] & (-1 >>> (31 - (w & 31)));
  while (sm === 0) {
    if (--s < 0) return -1;
    sm = summary[s];
  }
  const w2 = (s << 5) + (31 - Math.clz32(sm));
  return (w2 << 5) + (31 - Math.clz32(words[w2]));
}

function hashId(id: number): number {
  const lo = id >>> 0;
  const hi = (id / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  return h;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function sideName(side: Side): string {
  return side === BUY ? "buy" : "sell";
}

/**
 * A side that is neither BUY nor SELL, refused under `context` ("order rejected"): the one wording
 * of the book's, the venue's and the agents' refusals (callers test the side inline: hot paths).
 */
export function sideRejected(side: unknown, context: string): CascadeError {
  return new CascadeError("INVALID_SIDE", "side", side, "BUY (1) or SELL (-1)", context);
}

export class OrderBook {
  readonly minPrice: number;
  readonly maxPrice: number;
  private listener: BookListener | undefined;

  // ---- levels (shared by both sides; a level is only ever occupied by one side)
  /** Price of level 0 of the window, and the window's size: levels cover [base, base + nLevels). */
  private base: number;
  private nLevels = 0;
  /** Head and tail order slot of each level (-1: none). */
  private lvlLink = new Int32Array(0);
  private lvlQty = new Float64Array(0);
  private bidWords = new Int32Array(0);
  private bidSummary = new Int32Array(0);
  private askWords = new Int32Array(0);
  private askSummary = new Int32Array(0);
  private bestBidLvl = -1;
  private bestAskLvl = -1;
  private bidQtyTotal = 0;
  private askQtyTotal = 0;
  private bidLevels = 0;
  private askLevels = 0;
  private nOrders = 0;

  // ---- orders: four fields per slot in each array (see NEXT..SIDE and ID..REDUCE_ONLY)
  private cap: number;
  private oI: Int32Array;
  private oN: Float64Array;
  private freeHead: number;
  /** Largest id that ever rested: a larger one is not resting, no probe needed (the venue's ids only grow). */
  private maxRestedId = -1;
  /** cancelResting's slots of the ids it was given (grown by doubling, never shrunk). */
  private slotScratch = new Int32Array(16);

  // ---- id -> slot (both tables store slot + 1; 0 = empty). Ids mostly come in increasing order
  // and most orders rest briefly (makers requote every few ticks), so a direct-mapped ring (index
  // id & ringMask: no hashing, no probing) holds almost every order; one still resting when a
  // newer id takes its ring index moves to the hash (linear probing, backward-shift deletion).
  private ring: Int32Array;
  private ringMask: number;
  private hTab: Int32Array;
  private hMask: number;
  private hCount = 0;

  constructor(options: OrderBookOptions) {
    if (options === null || typeof options !== "object") {
      throw new CascadeError(
        "INVALID_OPTIONS",
        "options",
        options,
        "an object { minPrice, maxPrice }",
        "order book",
      );
    }
    const { minPrice, maxPrice, listener, initialCapacity } = options;
    if (!Number.isSafeInteger(minPrice) || minPrice < 1) {
      throw new CascadeError(
        "INVALID_PRICE",
        "minPrice",
        minPrice,
        "an integer number of ticks >= 1",
        "order book",
      );
    }
    if (
      !Number.isSafeInteger(maxPrice) ||
      maxPrice < minPrice ||
      maxPrice - minPrice + 1 > MAX_PRICE_LEVELS
    ) {
      throw new CascadeError(
        "INVALID_PRICE",
        "maxPrice",
        maxPrice,
        `an integer number of ticks in [minPrice = ${minPrice}, minPrice + ${MAX_PRICE_LEVELS - 1}]`,
        "order book",
      );
    }
    const capacity = initialCapacity === undefined ? 1024 : initialCapacity;
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
      throw new CascadeError(
        "INVALID_CAPACITY",
        "initialCapacity",
        initialCapacity,
        `an integer in [1, ${MAX_CAPACITY}]`,
        "order book",
      );
    }
    if (listener !== undefined) checkListener(listener);
    this.minPrice = minPrice;
    this.maxPrice = maxPrice;
    this.listener = listener;
    this.base = minPrice; // the window is empty until an order rests

    this.cap = capacity;
    this.oI = new Int32Array(4 * capacity);
    this.oN = new Float64Array(4 * capacity);
    for (let i = 0; i < capacity - 1; i++) this.oI[4 * i + NEXT] = i + 1;
    this.oI[4 * (capacity - 1) + NEXT] = -1;
    this.freeHead = 0;
    const hSize = nextPow2(capacity * 2);
    this.ring = new Int32Array(hSize);
    this.ringMask = hSize - 1;
    this.hTab = new Int32Array(hSize);
    this.hMask = hSize - 1;
  }

  setListener(listener: BookListener | undefined): void {
    if (listener !== undefined) checkListener(listener);
    this.listener = listener;
  }

  // =============================================================================================
  // Order entry
  // =============================================================================================

  /**
   * Limit order. Returns the quantity filled immediately. GTC rests the remainder; IOC cancels it
   * (onCancel CANCEL_UNFILLED); POST_ONLY that would take liquidity (trade with any resting order)
   * is not placed at all (returns 0, onCancel CANCEL_POST_ONLY); one that crosses only orders that
   * cannot trade with it (its owner's, cancelled by self-trade prevention, and reduce-only orders
   * with nothing left to reduce, cut to nothing) cancels those as a taker would and rests.
   * `reduceOnly` marks the resting part as reduce-only (the listener must then implement
   * reduceOnlyAllowance).
   */
  limit(
    id: number,
    owner: number,
    side: Side,
    price: number,
    qty: number,
    tif: TimeInForce = GTC,
    reduceOnly = false,
  ): number {
    const minP = this.minPrice;
    if (
      !(
        Number.isSafeInteger(id) &&
        id >= 0 &&
        Number.isSafeInteger(owner) &&
        owner >= 0 &&
        (side === 1 || side === -1) &&
        Number.isInteger(price) &&
        price >= minP &&
        price <= this.maxPrice &&
        Number.isSafeInteger(qty) &&
        qty > 0 &&
        (tif === 0 || tif === 1 || tif === 2)
      ) ||
      (id <= this.maxRestedId && this.find(id) !== -1)
    ) {
      this.rejectOrder(id, owner, side, price, qty, tif, undefined, false);
    }
    if (reduceOnly !== false && (reduceOnly !== true || this.listener?.reduceOnlyAllowance === undefined)) {
      throw new CascadeError(
        "INVALID_ORDER_TYPE",
        "reduceOnly",
        reduceOnly,
        "false, or true with a listener that implements reduceOnlyAllowance (the book holds no positions)",
        "order rejected",
      );
    }
    const lvl = price - this.base;
    if (tif === POST_ONLY) {
      const opp = side === BUY ? this.bestAskLvl : this.bestBidLvl;
      if (opp !== -1 && (side === BUY ? opp <= lvl : opp >= lvl)) {
        if (this.wouldTrade(owner, side, lvl)) {
          const l = this.listener;
          if (l !== undefined) l.onCancel(id, owner, side, price, qty, CANCEL_POST_ONLY);
          return 0;
        }
        // It crosses only orders that cannot trade with it: matching cancels them (self-trade
        // prevention, reduce-only orders cut to nothing) and fills nothing.
        if (side === BUY) this.matchBuy(id, owner, lvl, qty);
        else this.matchSell(id, owner, lvl, qty);
      }
      this.rest(id, owner, side, price, qty, reduceOnly);
      return 0;
    }
    const rem = side === BUY ? this.matchBuy(id, owner, lvl, qty) : this.matchSell(id, owner, lvl, qty);
    if (rem > 0) {
      if (tif === GTC) this.rest(id, owner, side, price, rem, reduceOnly);
      else {
        const l = this.listener;
        if (l !== undefined) l.onCancel(id, owner, side, price, rem, CANCEL_UNFILLED);
      }
    }
    return qty - rem;
  }

  /** Market order: sweeps best prices; optional worstPrice bounds slippage (buy: no fill above it; sell: none below it). Remainder is cancelled (CANCEL_UNFILLED). Returns the filled quantity. */
  market(id: number, owner: number, side: Side, qty: number, worstPrice?: number): number {
    const minP = this.minPrice;
    if (
      !(
        Number.isSafeInteger(id) &&
        id >= 0 &&
        Number.isSafeInteger(owner) &&
        owner >= 0 &&
        (side === 1 || side === -1) &&
        Number.isSafeInteger(qty) &&
        qty > 0 &&
        (worstPrice === undefined ||
          (Number.isInteger(worstPrice) && worstPrice >= minP && worstPrice <= this.maxPrice))
      ) ||
      (id <= this.maxRestedId && this.find(id) !== -1)
    ) {
      this.rejectOrder(id, owner, side, worstPrice, qty, GTC, worstPrice, true);
    }
    let rem: number;
    let limitPrice: number;
    if (side === BUY) {
      limitPrice = worstPrice === undefined ? this.maxPrice : worstPrice;
      rem = this.matchBuy(id, owner, limitPrice - this.base, qty);
    } else {
      limitPrice = worstPrice === undefined ? minP : worstPrice;
      rem = this.matchSell(id, owner, limitPrice - this.base, qty);
    }
    if (rem > 0) {
      const l = this.listener;
      if (l !== undefined) l.onCancel(id, owner, side, limitPrice, rem, CANCEL_UNFILLED);
    }
    return qty - rem;
  }

  /** Cancels a resting order; returns the quantity removed. Unknown id -> CascadeError UNKNOWN_ORDER. */
  cancel(id: number): number {
    const s = this.find(id);
    if (s === -1) this.rejectUnknown(id, "cancel rejected");
    const b = s << 2;
    const q = this.oN[b + QTY];
    const side = this.oI[b + SIDE] as Side;
    const lvl = this.oI[b + LVL];
    const owner = this.oN[b + OWNER];
    this.removeOrder(s);
    const l = this.listener;
    if (l !== undefined) l.onCancel(id, owner, side, lvl + this.base, q, CANCEL_USER);
    return q;
  }

  /**
   * Cancels the resting orders `ids[0..n)` (distinct ids), leaving the book as `cancel` of each in
   * turn would, in one pass and without listener calls: the caller (the venue's cancelAll of an
   * account's orders on one instrument) does its bookkeeping from the quantities written to `out`
   * (out[0]: the buys' total, out[1]: the sells'). The best prices are looked up once at the end,
   * not at each emptied best level. Returns nothing (a double returned from a call that is not
   * inlined is a heap number: an allocation per requote). An id that does not rest here throws
   * UNKNOWN_ORDER before anything is removed.
   */
  cancelResting(ids: ArrayLike<number>, n: number, out: Float64Array): void {
    if (n > this.slotScratch.length) this.slotScratch = new Int32Array(nextPow2(n));
    const slots = this.slotScratch;
    for (let j = 0; j < n; j++) {
      const s = this.find(ids[j]);
      if (s === -1) this.rejectUnknown(ids[j], "cancel rejected");
      slots[j] = s;
    }
    const buys = this.bidQtyTotal;
    const sells = this.askQtyTotal;
    for (let j = 0; j < n; j++) this.detachOrder(slots[j]);
    const link = this.lvlLink;
    // Only removals: the new best is the first level still set at or beyond the old one.
    const bb = this.bestBidLvl;
    if (bb !== -1 && link[2 * bb + HEAD] === -1)
      this.bestBidLvl = nextAtOrBelow(this.bidWords, this.bidSummary, bb);
    const ba = this.bestAskLvl;
    if (ba !== -1 && link[2 * ba + HEAD] === -1)
      this.bestAskLvl = nextAtOrAbove(this.askWords, this.askSummary, ba);
    out[0] = buys - this.bidQtyTotal;
    out[1] = sells - this.askQtyTotal;
  }

  /** Reduces a resting order's quantity to newQty (0 < newQty < current keeps its time priority; newQty === 0 cancels; newQty === current is a no-op). Returns the quantity removed (reported via onCancel CANCEL_USER). Increase -> INVALID_QUANTITY error. */
  reduce(id: number, newQty: number): number {
    const s = this.find(id);
    if (s === -1) this.rejectUnknown(id, "reduce rejected");
    const cur = this.oN[(s << 2) + QTY];
    if (!(Number.isSafeInteger(newQty) && newQty >= 0 && newQty <= cur)) {
      throw new CascadeError(
        "INVALID_QUANTITY",
        "newQty",
        newQty,
        `an integer in [0, ${cur}] (the order's current quantity; reduce cannot increase it)`,
        "reduce rejected",
      );
    }
    if (newQty === cur) return 0;
    if (newQty === 0) return this.cancel(id);
    const removed = cur - newQty;
    const side = this.oI[(s << 2) + SIDE] as Side;
    const lvl = this.oI[(s << 2) + LVL];
    this.oN[(s << 2) + QTY] = newQty;
    this.lvlQty[lvl] -= removed;
    if (side === BUY) this.bidQtyTotal -= removed;
    else this.askQtyTotal -= removed;
    const l = this.listener;
    if (l !== undefined)
      l.onCancel(id, this.oN[(s << 2) + OWNER], side, lvl + this.base, removed, CANCEL_USER);
    return removed;
  }

  // =============================================================================================
  // Queries
  // =============================================================================================

  has(id: number): boolean {
    return this.find(id) !== -1;
  }

  /** Resting quantity of order `id`; 0 if not resting. */
  remaining(id: number): number {
    const s = this.find(id);
    return s === -1 ? 0 : this.oN[(s << 2) + QTY];
  }

  orderPrice(id: number): number {
    const s = this.find(id);
    if (s === -1) this.rejectUnknown(id, "order lookup rejected");
    return this.oI[(s << 2) + LVL] + this.base;
  }

  orderSide(id: number): Side {
    const s = this.find(id);
    if (s === -1) this.rejectUnknown(id, "order lookup rejected");
    return this.oI[(s << 2) + SIDE] as Side;
  }

  orderOwner(id: number): number {
    const s = this.find(id);
    if (s === -1) this.rejectUnknown(id, "order lookup rejected");
    return this.oN[(s << 2) + OWNER];
  }

  /** Best bid price; 0 when there are no bids. */
  bestBid(): number {
    return this.bestBidLvl === -1 ? 0 : this.bestBidLvl + this.base;
  }

  /** Best ask price; 0 when there are no asks. */
  bestAsk(): number {
    return this.bestAskLvl === -1 ? 0 : this.bestAskLvl + this.base;
  }

  /** (bestBid + bestAsk) / 2; NaN when a side is empty. */
  mid(): number {
    if (this.bestBidLvl === -1 || this.bestAskLvl === -1) return Number.NaN;
    return (this.bestBidLvl + this.bestAskLvl) / 2 + this.base;
  }

  /** bestAsk - bestBid; NaN when a side is empty. */
  spread(): number {
    if (this.bestBidLvl === -1 || this.bestAskLvl === -1) return Number.NaN;
    return this.bestAskLvl - this.bestBidLvl;
  }

  /** Resting quantity of `side` at `price` (0 if none, or if the price is not on the book's grid). */
  volumeAt(side: Side, price: number): number {
    this.checkSide(side);
    if (!Number.isInteger(price) || price < this.minPrice || price > this.maxPrice) return 0;
    const lvl = price - this.base;
    if (lvl < 0 || lvl >= this.nLevels) return 0; // outside the window: nothing rests there
    const words = side === BUY ? this.bidWords : this.askWords;
    return (words[lvl >>> 5] & (1 << (lvl & 31))) !== 0 ? this.lvlQty[lvl] : 0;
  }

  /**
   * Writes up to `levels` best levels of `side` into outPrices/outQty (best first); returns levels
   * written. No allocation: the arrays are not grown, so at most their length is written (size them
   * to `levels`).
   */
  depth(
    side: Side,
    levels: number,
    outPrices: number[] | Float64Array,
    outQty: number[] | Float64Array,
  ): number {
    this.checkSide(side);
    if (!(levels >= 0) || !(Number.isInteger(levels) || levels === Number.POSITIVE_INFINITY)) {
      throw new CascadeError(
        "INVALID_LEVELS",
        "levels",
        levels,
        "an integer >= 0 (or Infinity: as many as the arrays hold)",
        "depth query rejected",
      );
    }
    checkOut("outPrices", outPrices);
    checkOut("outQty", outQty);
    const n = Math.min(levels, outPrices.length, outQty.length);
    const base = this.base;
    let k = 0;
    if (side === BUY) {
      let lvl = this.bestBidLvl;
      while (lvl !== -1 && k < n) {
        outPrices[k] = lvl + base;
        outQty[k] = this.lvlQty[lvl];
        k++;
        lvl = nextAtOrBelow(this.bidWords, this.bidSummary, lvl - 1);
      }
    } else {
      let lvl = this.bestAskLvl;
      while (lvl !== -1 && k < n) {
        outPrices[k] = lvl + base;
        outQty[k] = this.lvlQty[lvl];
        k++;
        lvl = nextAtOrAbove(this.askWords, this.askSummary, lvl + 1);
      }
    }
    return k;
  }

  /**
   * Total resting quantity of `side` priced within `fraction` (e.g. 0.01 = 1%) of the mid (of the
   * best price on that side if the other side is empty); bounds inclusive. Cost: one word per 32
   * levels in range plus one addition per occupied level in range.
   */
  depthWithin(side: Side, fraction: number): number {
    this.checkSide(side);
    if (!(Number.isFinite(fraction) && fraction >= 0)) {
      throw new CascadeError(
        "INVALID_FRACTION",
        "fraction",
        fraction,
        "a finite number >= 0",
        "depth query rejected",
      );
    }
    const bb = this.bestBidLvl;
    const ba = this.bestAskLvl;
    const base = this.base;
    if (side === BUY) {
      if (bb === -1) return 0;
      const ref = ba === -1 ? bb + base : (bb + ba) / 2 + base;
      const lo = Math.ceil(ref - ref * fraction - 1e-9) - base;
      return this.sumLevels(this.bidWords, Math.max(lo, 0), bb);
    }
    if (ba === -1) return 0;
    const ref = bb === -1 ? ba + base : (bb + ba) / 2 + base;
    const hi = Math.floor(ref + ref * fraction + 1e-9) - base;
    return this.sumLevels(this.askWords, ba, Math.min(hi, this.nLevels - 1));
  }

  /** Total resting quantity of one side. */
  totalQuantity(side: Side): number {
    this.checkSide(side);
    return side === BUY ? this.bidQtyTotal : this.askQtyTotal;
  }

  /** Number of non-empty price levels of one side. */
  levelCount(side: Side): number {
    this.checkSide(side);
    return side === BUY ? this.bidLevels : this.askLevels;
  }

  /** Number of resting orders (both sides). */
  orderCount(): number {
    return this.nOrders;
  }

  /** Iterate resting orders of a side best-first, FIFO within level (for tests/snapshots). */
  forEachOrder(side: Side, fn: (id: number, owner: number, price: number, qty: number) => void): void {
    this.checkSide(side);
    if (typeof fn !== "function") {
      throw new CascadeError(
        "INVALID_ARGUMENT",
        "fn",
        fn,
        "a function (id, owner, price, qty)",
        "query rejected",
      );
    }
    const base = this.base;
    let lvl = side === BUY ? this.bestBidLvl : this.bestAskLvl;
    while (lvl !== -1) {
      for (let o = this.lvlLink[2 * lvl + HEAD]; o !== -1; o = this.oI[(o << 2) + NEXT])
        fn(this.oN[(o << 2) + ID], this.oN[(o << 2) + OWNER], lvl + base, this.oN[(o << 2) + QTY]);
      lvl =
        side === BUY
          ? nextAtOrBelow(this.bidWords, this.bidSummary, lvl - 1)
          : nextAtOrAbove(this.askWords, this.askSummary, lvl + 1);
    }
  }

  /** Number of resting orders at one price level of a side (extra, read-only). */
  ordersAt(side: Side, price: number): number {
    if (this.volumeAt(side, price) === 0) return 0;
    let n = 0;
    for (let o = this.lvlLink[2 * (price - this.base) + HEAD]; o !== -1; o = this.oI[(o << 2) + NEXT]) n++;
    return n;
  }

  // =============================================================================================
  // Matching internals
  // =============================================================================================

  /**
   * Whether an incoming order of `owner` on `side` limited at level `limLvl` would fill anything:
   * some resting order it crosses is another owner's (self-trade prevention cancels the owner's
   * own) and, if reduce-only, has an allowance left. Reads only (the allowance is asked again when
   * matching cuts the order).
   */
  private wouldTrade(owner: number, side: Side, limLvl: number): boolean {
    const link = this.lvlLink;
    const oI = this.oI;
    const oN = this.oN;
    const l = this.listener;
    let lvl = side === BUY ? this.bestAskLvl : this.bestBidLvl;
    while (lvl !== -1 && (side === BUY ? lvl <= limLvl : lvl >= limLvl)) {
      for (let o = link[2 * lvl + HEAD]; o !== -1; o = oI[(o << 2) + NEXT]) {
        const b = o << 2;
        const makerOwner = oN[b + OWNER];
        if (makerOwner === owner) continue;
        if (oN[b + REDUCE_ONLY] !== 1) return true;
        const allowance = (l as Required<BookListener>).reduceOnlyAllowance(
          oN[b + ID],
          makerOwner,
          -side as Side,
        );
        if (allowance > 0) return true;
      }
      lvl =
        side === BUY
          ? nextAtOrAbove(this.askWords, this.askSummary, lvl + 1)
          : nextAtOrBelow(this.bidWords, this.bidSummary, lvl - 1);
    }
    return false;
  }

  /** Incoming buy against asks with level <= limLvl. Returns the unfilled remainder. */
  private matchBuy(takerId: number, takerOwner: number, limLvl: number, qty: number): number {
    let lvl = this.bestAskLvl;
    if (lvl === -1 || lvl > limLvl) return qty;
    let rem = qty;
    const link = this.lvlLink;
    const lvlQty = this.lvlQty;
    const oI = this.oI;
    const oN = this.oN;
    const l = this.listener;
    const base = this.base;
    for (;;) {
      let o = link[2 * lvl + HEAD];
      const price = lvl + base;
      while (o !== -1) {
        const b = o << 2;
        const next = oI[b + NEXT];
        const makerOwner = oN[b + OWNER];
        let mq = oN[b + QTY];
        if (oN[b + REDUCE_ONLY] === 1 && makerOwner !== takerOwner)
          mq = this.cutReduceOnly(o, next, lvl, price, SELL, mq);
        if (mq === 0) {
          // a reduce-only order its owner can no longer fill: removed by cutReduceOnly
        } else if (makerOwner === takerOwner) {
          const makerId = oN[b + ID];
          this.popHead(o, next, lvl);
          this.askQtyTotal -= mq;
          lvlQty[lvl] -= mq;
          if (l !== undefined) l.onCancel(makerId, makerOwner, SELL, price, mq, CANCEL_SELF_TRADE);
        } else if (mq <= rem) {
          const makerId = oN[b + ID];
          this.popHead(o, next, lvl);
          this.askQtyTotal -= mq;
          lvlQty[lvl] -= mq;
          rem -= mq;
          if (l !== undefined) l.onFill(makerId, makerOwner, takerId, takerOwner, BUY, price, mq, 0);
        } else {
          const left = mq - rem;
          oN[b + QTY] = left;
          lvlQty[lvl] -= rem;
          this.askQtyTotal -= rem;
          if (l !== undefined) l.onFill(oN[b + ID], makerOwner, takerId, takerOwner, BUY, price, rem, left);
          return 0;
        }
        o = next;
        if (rem === 0) break;
      }
      if (o === -1) {
        // level exhausted
        lvlQty[lvl] = 0;
        bitClear(this.askWords, this.askSummary, lvl);
        this.askLevels--;
        lvl = nextAtOrAbove(this.askWords, this.askSummary, lvl + 1);
        this.bestAskLvl = lvl;
      }
      if (rem === 0 || lvl === -1 || lvl > limLvl) return rem;
    }
  }

  /** Incoming sell against bids with level >= limLvl. Returns the unfilled remainder. */
  private matchSell(takerId: number, takerOwner: number, limLvl: number, qty: number): number {
    let lvl = this.bestBidLvl;
    if (lvl === -1 || lvl < limLvl) return qty;
    let rem = qty;
    const link = this.lvlLink;
    const lvlQty = this.lvlQty;
    const oI = this.oI;
    const oN = this.oN;
    const l = this.listener;
    const base = this.base;
    for (;;) {
      let o = link[2 * lvl + HEAD];
      const price = lvl + base;
      while (o !== -1) {
        const b = o << 2;
        const next = oI[b + NEXT];
        const makerOwner = oN[b + OWNER];
        let mq = oN[b + QTY];
        if (oN[b + REDUCE_ONLY] === 1 && makerOwner !== takerOwner)
          mq = this.cutReduceOnly(o, next, lvl, price, BUY, mq);
        if (mq === 0) {
          // a reduce-only order its owner can no longer fill: removed by cutReduceOnly
        } else if (makerOwner === takerOwner) {
          const makerId = oN[b + ID];
          this.popHead(o, next, lvl);
          this.bidQtyTotal -= mq;
          lvlQty[lvl] -= mq;
          if (l !== undefined) l.onCancel(makerId, makerOwner, BUY, price, mq, CANCEL_SELF_TRADE);
        } else if (mq <= rem) {
          const makerId = oN[b + ID];
          this.popHead(o, next, lvl);
          this.bidQtyTotal -= mq;
          lvlQty[lvl] -= mq;
          rem -= mq;
          if (l !== undefined) l.onFill(makerId, makerOwner, takerId, takerOwner, SELL, price, mq, 0);
        } else {
          const left = mq - rem;
          oN[b + QTY] = left;
          lvlQty[lvl] -= rem;
          this.bidQtyTotal -= rem;
          if (l !== undefined) l.onFill(oN[b + ID], makerOwner, takerId, takerOwner, SELL, price, rem, left);
          return 0;
        }
        o = next;
        if (rem === 0) break;
      }
      if (o === -1) {
        lvlQty[lvl] = 0;
        bitClear(this.bidWords, this.bidSummary, lvl);
        this.bidLevels--;
        lvl = nextAtOrBelow(this.bidWords, this.bidSummary, lvl - 1);
        this.bestBidLvl = lvl;
      }
      if (rem === 0 || lvl === -1 || lvl < limLvl) return rem;
    }
  }

  /**
   * Cuts reduce-only order `o` (the head of level `lvl`, whose successor is `next`) to what its
   * owner can still reduce, as the listener says, before a taker fills it; removes it when that is
   * nothing. Returns the quantity left to fill.
   */
  private cutReduceOnly(
    o: number,
    next: number,
    lvl: number,
    price: number,
    side: Side,
    qty: number,
  ): number {
    const l = this.listener as BookListener & {
      reduceOnlyAllowance(id: number, owner: number, side: Side): number;
    };
    const id = this.oN[(o << 2) + ID];
    const owner = this.oN[(o << 2) + OWNER];
    let allowed = l.reduceOnlyAllowance(id, owner, side);
    if (allowed >= qty) return qty;
    if (!(allowed > 0)) allowed = 0;
    const cut = qty - allowed;
    this.lvlQty[lvl] -= cut;
    if (side === BUY) this.bidQtyTotal -= cut;
    else this.askQtyTotal -= cut;
    if (allowed === 0) this.popHead(o, next, lvl);
    else this.oN[(o << 2) + QTY] = allowed;
    l.onCancel(id, owner, side, price, cut, CANCEL_REDUCE_ONLY);
    return allowed;
  }

  /** Removes order `o` (the head of level `lvl`, whose successor is `next`): unlink, unhash, free. Level bitset/best are the caller's job. */
  private popHead(o: number, next: number, lvl: number): void {
    const oI = this.oI;
    this.lvlLink[2 * lvl + HEAD] = next;
    if (next === -1) this.lvlLink[2 * lvl + TAIL] = -1;
    else oI[(next << 2) + PREV] = -1;
    this.unindex(o);
    oI[(o << 2) + NEXT] = this.freeHead;
    this.freeHead = o;
    this.nOrders--;
  }

  /** Appends a new order to the tail of the level of `price` on `side`. */
  private rest(id: number, owner: number, side: Side, price: number, qty: number, reduceOnly = false): void {
    let lvl = price - this.base;
    if (lvl < 0 || lvl >= this.nLevels) {
      this.cover(price);
      lvl = price - this.base;
    }
    let s = this.freeHead;
    if (s === -1) {
      this.grow();
      s = this.freeHead;
    }
    const oI = this.oI;
    const oN = this.oN;
    const link = this.lvlLink;
    const b = s << 2;
    this.freeHead = oI[b + NEXT];
    oN[b + ID] = id;
    oN[b + OWNER] = owner;
    oN[b + QTY] = qty;
    oN[b + REDUCE_ONLY] = reduceOnly ? 1 : 0;
    const tail = link[2 * lvl + TAIL];
    oI[b + NEXT] = -1;
    oI[b + PREV] = tail;
    oI[b + LVL] = lvl;
    oI[b + SIDE] = side;
    if (tail === -1) {
      link[2 * lvl + HEAD] = s;
      this.lvlQty[lvl] = qty;
      if (side === BUY) {
        bitSet(this.bidWords, this.bidSummary, lvl);
        this.bidLevels++;
        if (lvl > this.bestBidLvl) this.bestBidLvl = lvl;
      } else {
        bitSet(this.askWords, this.askSummary, lvl);
        this.askLevels++;
        if (this.bestAskLvl === -1 || lvl < this.bestAskLvl) this.bestAskLvl = lvl;
      }
    } else {
      oI[(tail << 2) + NEXT] = s;
      this.lvlQty[lvl] += qty;
    }
    link[2 * lvl + TAIL] = s;
    if (side === BUY) this.bidQtyTotal += qty;
    else this.askQtyTotal += qty;
    this.index(id, s);
    if (id > this.maxRestedId) this.maxRestedId = id;
    this.nOrders++;
    const l = this.listener;
    if (l !== undefined) l.onRest(id, owner, side, price, qty);
  }

  /** Removes a resting order from anywhere in its level (cancel). */
  private removeOrder(s: number): void {
    const b = s << 2;
    const lvl = this.oI[b + LVL];
    const side = this.oI[b + SIDE];
    this.detachOrder(s);
    if (this.lvlLink[2 * lvl + HEAD] !== -1) return;
    if (side === BUY) {
      if (lvl === this.bestBidLvl) this.bestBidLvl = nextAtOrBelow(this.bidWords, this.bidSummary, lvl - 1);
    } else if (lvl === this.bestAskLvl)
      this.bestAskLvl = nextAtOrAbove(this.askWords, this.askSummary, lvl + 1);
  }

  /**
   * Unlinks a resting order from its level and frees its slot, with the level's and side's totals
   * and bitsets; the best prices are the caller's (removeOrder at each, cancelResting once at the end).
   */
  private detachOrder(s: number): void {
    const oI = this.oI;
    const link = this.lvlLink;
    const b = s << 2;
    const lvl = oI[b + LVL];
    const side = oI[b + SIDE];
    const q = this.oN[b + QTY];
    const prev = oI[b + PREV];
    const next = oI[b + NEXT];
    if (prev === -1) link[2 * lvl + HEAD] = next;
    else oI[(prev << 2) + NEXT] = next;
    if (next === -1) link[2 * lvl + TAIL] = prev;
    else oI[(next << 2) + PREV] = prev;
    this.unindex(s);
    oI[b + NEXT] = this.freeHead;
    this.freeHead = s;
    this.nOrders--;
    const emptied = link[2 * lvl + HEAD] === -1;
    if (emptied) this.lvlQty[lvl] = 0;
    else this.lvlQty[lvl] -= q;
    if (side === BUY) {
      this.bidQtyTotal -= q;
      if (emptied) {
        bitClear(this.bidWords, this.bidSummary, lvl);
        this.bidLevels--;
      }
    } else {
      this.askQtyTotal -= q;
      if (emptied) {
        bitClear(this.askWords, this.askSummary, lvl);
        this.askLevels--;
      }
    }
  }

  /**
   * Grows the window of levels to cover `price` (inside the band): at least doubling it, towards
   * the price, with its base on a 1024-level grid from minPrice so that the bitsets move by whole
   * words and their summaries by whole summary words. Stored levels shift by the change of base.
   */
  private cover(price: number): void {
    const oldBase = this.base;
    const oldN = this.nLevels;
    const minP = this.minPrice;
    const end = this.maxPrice + 1;
    let lo: number;
    let hi: number;
    const align = (p: number) => Math.max(minP, minP + Math.floor((p - minP) / WINDOW_ALIGN) * WINDOW_ALIGN);
    if (oldN === 0) {
      lo = align(price - (FIRST_WINDOW >> 1));
      hi = lo + FIRST_WINDOW; // > price: lo > price - FIRST_WINDOW / 2 - WINDOW_ALIGN
    } else if (price < oldBase) {
      lo = align(Math.min(price, oldBase - oldN));
      hi = oldBase + oldN;
    } else {
      lo = oldBase;
      hi = Math.max(price + 1, oldBase + 2 * oldN);
    }
    hi = Math.min(end, hi);
    const n = hi - lo;
    const shift = oldN === 0 ? 0 : oldBase - lo; // >= 0, a multiple of WINDOW_ALIGN
    const nWords = (n + 31) >>> 5;
    const nSummary = (nWords + 31) >>> 5;
    // Everything is allocated before anything is replaced: a failed allocation leaves the book as it was.
    const link = copyInto(new Int32Array(2 * n).fill(-1), this.lvlLink, 2 * shift);
    const qty = copyInto(new Float64Array(n), this.lvlQty, shift);
    const bidWords = copyInto(new Int32Array(nWords), this.bidWords, shift >>> 5);
    const askWords = copyInto(new Int32Array(nWords), this.askWords, shift >>> 5);
    const bidSummary = copyInto(new Int32Array(nSummary), this.bidSummary, shift >>> 10);
    const askSummary = copyInto(new Int32Array(nSummary), this.askSummary, shift >>> 10);
    this.bidWords = bidWords;
    this.askWords = askWords;
    this.bidSummary = bidSummary;
    this.askSummary = askSummary;
    this.lvlLink = link;
    this.lvlQty = qty;
    this.base = lo;
    this.nLevels = n;
    if (shift !== 0) {
      const oI = this.oI;
      for (let i = LVL; i < oI.length; i += 4) oI[i] += shift; // free slots too: harmless
      if (this.bestBidLvl !== -1) this.bestBidLvl += shift;
      if (this.bestAskLvl !== -1) this.bestAskLvl += shift;
    }
  }

  private sumLevels(words: Int32Array, lo: number, hi: number): number {
    if (lo > hi) return 0;
    const lvlQty = this.lvlQty;
    let sum = 0;
    const wLo = lo >>> 5;
    const wHi = hi >>> 5;
    for (let w = wLo; w <= wHi; w++) {
      let m = words[w];
      if (m === 0) continue;
      if (w === wLo) m &= -1 << (lo & 31);
      if (w === wHi) m &= -1 >>> (31 - (hi & 31));
      const base = w << 5;
      while (m !== 0) {
        const low = m & -m;
        sum += lvlQty[base + 31 - Math.clz32(low)];
        m ^= low;
      }
    }
    return sum;
  }

  // =============================================================================================
  // id -> slot hash
  // =============================================================================================

  /** Slot of resting order `id`, or -1. Accepts any value (non-numbers are simply not found). */
  private find(id: number): number {
    if (typeof id !== "number") return -1;
    const v = this.ring[id & this.ringMask];
    if (v !== 0 && this.oN[(v - 1) << 2] === id) return v - 1;
    return this.hCount === 0 ? -1 : this.hashFind(id);
  }

  /** Indexes new order `id` at `slot`: in the ring, moving the order there (if any) to the hash. */
  private index(id: number, slot: number): void {
    const r = id & this.ringMask;
    const v = this.ring[r];
    if (v !== 0) this.hashInsert(this.oN[(v - 1) << 2], v - 1);
    this.ring[r] = slot + 1;
  }

  /** Drops resting order `slot` (whose id is still in its record) from the ring or the hash. */
  private unindex(slot: number): void {
    const r = this.oN[slot << 2] & this.ringMask;
    if (this.ring[r] === slot + 1) this.ring[r] = 0;
    else this.hashDelete(slot);
  }

  private hashFind(id: number): number {
    const tab = this.hTab;
    const mask = this.hMask;
    const oN = this.oN;
    let i = hashId(id) & mask;
    for (;;) {
      const v = tab[i];
      if (v === 0) return -1;
      if (oN[(v - 1) << 2] === id) return v - 1;
      i = (i + 1) & mask;
    }
  }

  private hashInsert(id: number, slot: number): void {
    const tab = this.hTab;
    const mask = this.hMask;
    let i = hashId(id) & mask;
    while (tab[i] !== 0) i = (i + 1) & mask;
    tab[i] = slot + 1;
    this.hCount++;
  }

  /** Deletes the entry of `slot` (whose id is still in its record) with backward-shift deletion. */
  private hashDelete(slot: number): void {
    const tab = this.hTab;
    const mask = this.hMask;
    const oN = this.oN;
    let i = hashId(oN[slot << 2]) & mask;
    while (tab[i] !== slot + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = tab[j];
      if (v === 0) break;
      const k = hashId(oN[(v - 1) << 2]) & mask;
      // move entry j into hole i unless its home k lies cyclically in (i, j]
      if (i <= j ? i < k && k <= j : i < k || k <= j) continue;
      tab[i] = v;
      i = j;
    }
    tab[i] = 0;
    this.hCount--;
  }

  private grow(): void {
    const old = this.cap;
    const cap = old * 2;
    if (cap > MAX_CAPACITY) {
      throw new CascadeError(
        "CAPACITY_EXCEEDED",
        "orderCount",
        this.nOrders,
        `at most ${MAX_CAPACITY} resting orders`,
        "order rejected",
      );
    }
    const oI = copyInto(new Int32Array(4 * cap), this.oI);
    this.oN = copyInto(new Float64Array(4 * cap), this.oN);
    this.oI = oI;
    for (let i = old; i < cap - 1; i++) oI[4 * i + NEXT] = i + 1;
    oI[4 * (cap - 1) + NEXT] = this.freeHead;
    this.freeHead = old;
    this.cap = cap;
    // re-index every resting order into a ring and a hash of the new size
    const oldRing = this.ring;
    const oldTab = this.hTab;
    const hSize = nextPow2(cap * 2);
    this.ring = new Int32Array(hSize);
    this.ringMask = hSize - 1;
    this.hTab = new Int32Array(hSize);
    this.hMask = hSize - 1;
    this.hCount = 0;
    for (const t of [oldRing, oldTab]) {
      for (let i = 0; i < t.length; i++) {
        const v = t[i];
        if (v !== 0) this.index(this.oN[(v - 1) << 2], v - 1);
      }
    }
  }

  // =============================================================================================
  // Validation (cold paths)
  // =============================================================================================

  private checkSide(side: Side): void {
    if (side !== 1 && side !== -1) throw sideRejected(side, "query rejected");
  }

  private rejectUnknown(id: number, context: string): never {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new CascadeError("INVALID_ORDER_ID", "id", id, "a safe integer >= 0", context);
    }
    throw new CascadeError("UNKNOWN_ORDER", "id", id, "the id of an order resting on this book", context);
  }

  private rejectOrder(
    id: number,
    owner: number,
    side: Side,
    price: number | undefined,
    qty: number,
    tif: number,
    worstPrice: number | undefined,
    isMarket: boolean,
  ): never {
    const ctx = "order rejected";
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new CascadeError("INVALID_ORDER_ID", "id", id, "a safe integer >= 0", ctx);
    }
    if (this.find(id) !== -1) {
      throw new CascadeError(
        "DUPLICATE_ORDER_ID",
        "id",
        id,
        `an id not used by a resting order (order ${id} rests: ${sideName(this.orderSide(id))} ${this.remaining(id)} @ ${this.orderPrice(id)})`,
        ctx,
      );
    }
    if (!Number.isSafeInteger(owner) || owner < 0) {
      throw new CascadeError("INVALID_OWNER", "owner", owner, "a safe integer >= 0", ctx);
    }
    if (side !== 1 && side !== -1) throw sideRejected(side, ctx);
    const band = `an integer number of ticks in [${this.minPrice}, ${this.maxPrice}]`;
    if (!isMarket) {
      if (
        !Number.isInteger(price) ||
        (price as number) < this.minPrice ||
        (price as number) > this.maxPrice
      ) {
        throw new CascadeError("INVALID_PRICE", "price", price, band, ctx);
      }
    } else if (worstPrice !== undefined) {
      if (!Number.isInteger(worstPrice) || worstPrice < this.minPrice || worstPrice > this.maxPrice) {
        throw new CascadeError("INVALID_PRICE", "worstPrice", worstPrice, `undefined or ${band}`, ctx);
      }
    }
    if (!Number.isSafeInteger(qty) || qty <= 0) {
      throw new CascadeError("INVALID_QUANTITY", "qty", qty, `an integer in [1, ${MAX_SAFE}]`, ctx);
    }
    if (tif !== 0 && tif !== 1 && tif !== 2) {
      throw new CascadeError("INVALID_TIME_IN_FORCE", "tif", tif, "GTC (0), IOC (1) or POST_ONLY (2)", ctx);
    }
    throw new CascadeError(
      "INVALID_ORDER",
      "order",
      { id, owner, side, price, qty, tif },
      "a valid order",
      ctx,
    );
  }
}

function checkListener(listener: BookListener): void {
  if (
    listener === null ||
    typeof listener !== "object" ||
    typeof listener.onFill !== "function" ||
    typeof listener.onCancel !== "function" ||
    typeof listener.onRest !== "function"
  ) {
    throw new CascadeError(
      "INVALID_LISTENER",
      "listener",
      listener,
      "undefined or an object with onFill, onCancel and onRest functions",
      "order book",
    );
  }
  // Called in the middle of a sweep: a non-function would throw there, with the book half matched.
  const allowance = listener.reduceOnlyAllowance;
  if (allowance !== undefined && typeof allowance !== "function") {
    throw new CascadeError(
      "INVALID_LISTENER",
      "listener.reduceOnlyAllowance",
      allowance,
      "undefined or a function (orderId, owner, side) => lots",
      "order book",
    );
  }
}

/** depth()'s output arrays: written in place, never grown. */
function checkOut(field: string, out: number[] | Float64Array): void {
  if (!(out instanceof Float64Array || Array.isArray(out))) {
    throw new CascadeError(
      "INVALID_ARGUMENT",
      field,
      out,
      "a number[] or Float64Array (written in place, never grown)",
      "depth query rejected",
    );
  }
}
