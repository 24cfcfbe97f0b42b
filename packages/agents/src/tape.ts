/**
 * Public market data shared by all agents of one venue (built once per venue), and the small
 * per-agent view through which an agent sees the market and trades.
 *
 * The tape samples each instrument's mid once per tick (in the `metrics` phase, i.e. the state at
 * the end of the tick) into a ring of cumulative sums, so a moving average of any window up to the
 * ring size costs O(1); it keeps exponentially weighted variances of one-tick log mid returns at
 * several half-lives (30, 300, 3,000 and 30,000 ticks) and a ring of recent trades per instrument.
 * Everything here is derived from public information (book, trades, marks, oracle).
 */
import { CascadeError, type Rng, type RunLoop } from "@cascade/core";
import {
  BUY,
  type Instrument,
  type OrderRequest,
  type OrderResult,
  QUOTE_NOT_SENT,
  SELL,
  type Side,
  sideRejected,
  type Venue,
  withinQuotes,
} from "@cascade/market";

const RING = 1 << 13; // ticks of mid history (moving-average windows are capped to RING - 1)
/** The longest moving-average window the tape keeps (8,191 ticks); longer windows are capped to it. */
export const MAX_AVERAGE_WINDOW = RING - 1;
const TRADES = 256;
const HALF_LIVES = [30, 300, 3000, 30000];

export interface Trade {
  tick: number;
  price: number;
  quantity: number;
  takerSide: Side;
}

export interface OrderActivity {
  /** Limit orders submitted by agents (marketable ones and IOCs included). */
  limitOrders: number;
  /** Of which immediate-or-cancel ("market") orders. */
  iocOrders: number;
  /** Resting orders cancelled by agents. */
  cancels: number;
  /** Orders not sent because the margin-capped quantity was 0. */
  skippedForMargin: number;
  /**
   * Plain orders not sent, capped to 0 while the account's own open auctions hold lots on their
   * side (the venue lets them trade only the rest of the position; under whileLiquidating "free").
   */
  skippedForAuction: number;
  /** Orders and auction takes not sent because the account was in liquidation under a policy that freezes it. */
  skippedInLiquidation: number;
  /**
   * Reduce-only orders not sent: the account holds nothing left to reduce on that side (flat, a
   * position on the other side, or every lot held by its own open auctions and resting plain orders).
   */
  skippedNothingToReduce: number;
  /** Auction takes sent to the venue (by liquidators), whether or not the auction's price let them take lots. */
  auctionBids: number;
  /** Of which took lots. */
  auctionTakes: number;
}

export class MarketTape {
  readonly n: number;
  /**
   * venue.instruments in a plain array: Node 20's optimizing compiler does not inline element loads
   * from a frozen array (each one calls an inline-cache stub, ~4x slower), and agents read it per order.
   */
  readonly instruments: readonly Instrument[];
  /** The venue's largest order per instrument (its notional at maxPrice stays exact). */
  readonly maxLots: Float64Array;
  readonly activity: OrderActivity = noOrderActivity();
  private readonly cum: Float64Array;
  private readonly mids: Float64Array;
  private readonly lastMid: Float64Array;
  private readonly samples: Int32Array;
  private readonly ewVar: Float64Array; // n x 4
  private readonly ewW: Float64Array; // n x 4 bias correction weights
  private readonly alpha = HALF_LIVES.map((h) => 1 - 2 ** (-1 / h));
  private readonly volRatioCache: Float64Array;
  private readonly tradePrice: Float64Array;
  private readonly tradeQty: Float64Array;
  private readonly tradeTick: Float64Array;
  private readonly tradeSide: Int8Array;
  private readonly tradeCount: Int32Array;
  private readonly watchers: number[][];
  private readonly watchTick: Float64Array;
  private first = -1;
  private lastTick = -1;

  constructor(
    readonly venue: Venue,
    readonly loop: RunLoop,
  ) {
    const n = venue.instruments.length;
    this.n = n;
    this.instruments = venue.instruments.slice();
    this.maxLots = Float64Array.from(venue.instruments, (ins) => venue.maxOrderLots(ins.id));
    this.cum = new Float64Array(n * RING);
    this.mids = new Float64Array(n * RING);
    this.lastMid = new Float64Array(n);
    this.samples = new Int32Array(n);
    this.ewVar = new Float64Array(n * 4);
    this.ewW = new Float64Array(n * 4);
    this.volRatioCache = new Float64Array(n).fill(1);
    this.tradePrice = new Float64Array(n * TRADES);
    this.tradeQty = new Float64Array(n * TRADES);
    this.tradeTick = new Float64Array(n * TRADES);
    this.tradeSide = new Int8Array(n * TRADES);
    this.tradeCount = new Int32Array(n);
    this.watchers = Array.from({ length: n }, () => []);
    this.watchTick = new Float64Array(n).fill(-1);
    for (let i = 0; i < n; i++) this.lastMid[i] = this.currentMid(i);
    venue.fills$.subscribe((f) => {
      const i = f.instrument;
      const k = i * TRADES + (this.tradeCount[i]++ & (TRADES - 1));
      this.tradePrice[k] = f.price;
      this.tradeQty[k] = f.quantity;
      this.tradeTick[k] = f.tick;
      this.tradeSide[k] = f.takerSide;
      const w = this.watchers[i];
      if (w.length > 0 && this.watchTick[i] !== f.tick) {
        this.watchTick[i] = f.tick;
        const s = loop.scheduler;
        for (let j = 0; j < w.length; j++) s.wake(w[j], f.tick + 1);
      }
    });
    loop.on("metrics", (tick) => this.sample(tick));
  }

  /** Wakes scheduler index `agent` (next tick) after trades in `instrument`. */
  watchTrades(instrument: number, agent: number): void {
    this.watchers[instrument].push(agent);
  }

  /**
   * Mid of the book; when a side is empty, the last trade (else the mark) but not beyond the side
   * still quoted: an ask posted below an old trade is a price one can buy at (the run's `price`
   * series follows the same rule).
   */
  currentMid(i: number): number {
    const b = this.venue.book(i);
    const bid = b.bestBid();
    const ask = b.bestAsk();
    if (bid > 0 && ask > 0) return (bid + ask) / 2;
    const c = this.tradeCount?.[i] ?? 0;
    return withinQuotes(
      c > 0 ? this.tradePrice[i * TRADES + ((c - 1) & (TRADES - 1))] : this.venue.mark(i),
      bid,
      ask,
    );
  }

  private sample(tick: number): void {
    if (this.first < 0) this.first = tick;
    this.lastTick = tick;
    const slot = tick & (RING - 1);
    const prevSlot = (tick - 1) & (RING - 1);
    for (let i = 0; i < this.n; i++) {
      const m = this.currentMid(i);
      const base = i * RING;
      this.mids[base + slot] = m;
      this.cum[base + slot] = (this.samples[i] > 0 ? this.cum[base + prevSlot] : 0) + m;
      this.samples[i]++;
      const prev = this.lastMid[i];
      this.lastMid[i] = m;
      if (!(prev > 0 && m > 0)) continue;
      const r = Math.log(m / prev);
      const r2 = r * r;
      const o = i * 4;
      for (let h = 0; h < 4; h++) {
        const a = this.alpha[h];
        this.ewVar[o + h] += a * (r2 - this.ewVar[o + h]);
        this.ewW[o + h] += a * (1 - this.ewW[o + h]);
      }
      const vL = this.ewVar[o + 3] / this.ewW[o + 3];
      if (vL > 0) {
        const g = Math.cbrt(
          (this.ewVar[o] / this.ewW[o]) *
            (this.ewVar[o + 1] / this.ewW[o + 1]) *
            (this.ewVar[o + 2] / this.ewW[o + 2]),
        );
        this.volRatioCache[i] = Math.sqrt(g / vL);
      }
    }
  }

  /** Average of the per-tick mids over the last `window` ticks (NaN until that much history exists). */
  movingAverage(i: number, window: number): number {
    const t = this.lastTick;
    if (t < 0) return Number.NaN;
    const w = Math.min(window, RING - 1);
    if (this.samples[i] < w + 1) return Number.NaN;
    const base = i * RING;
    return (this.cum[base + (t & (RING - 1))] - this.cum[base + ((t - w) & (RING - 1))]) / w;
  }

  /** Mid `ago` ticks back (ago < ring size), NaN if not recorded. */
  midAgo(i: number, ago: number): number {
    if (ago >= RING || ago >= this.samples[i]) return Number.NaN;
    return this.mids[i * RING + ((this.lastTick - ago) & (RING - 1))];
  }

  /** EW per-tick sd of log mid returns; horizon 0..3 = half-life 30, 300, 3,000, 30,000 ticks. */
  volatility(i: number, horizon = 0): number {
    const o = i * 4 + horizon;
    return this.ewW[o] > 0 ? Math.sqrt(this.ewVar[o] / this.ewW[o]) : 0;
  }

  /** Multi-scale short-run over long-run volatility (geometric mean of the 30/300/3,000-tick over the 30,000-tick sd); 1 when unknown. */
  volatilityRatio(i: number): number {
    return this.volRatioCache[i];
  }

  tradeCountOf(i: number): number {
    return this.tradeCount[i];
  }

  /** Up to `max` most recent trades of instrument i, newest first. */
  recentTrades(i: number, max = 16): Trade[] {
    const c = this.tradeCount[i];
    const out: Trade[] = [];
    for (let k = 0; k < max && k < c && k < TRADES; k++) {
      const j = i * TRADES + ((c - 1 - k) & (TRADES - 1));
      out.push({
        tick: this.tradeTick[j],
        price: this.tradePrice[j],
        quantity: this.tradeQty[j],
        takerSide: this.tradeSide[j] as Side,
      });
    }
    return out;
  }

  lastTradePrice(i: number): number {
    const c = this.tradeCount[i];
    return c > 0 ? this.tradePrice[i * TRADES + ((c - 1) & (TRADES - 1))] : Number.NaN;
  }
}

/** Order activity before any order: every count 0. */
function noOrderActivity(): OrderActivity {
  return {
    limitOrders: 0,
    iocOrders: 0,
    cancels: 0,
    skippedForMargin: 0,
    skippedForAuction: 0,
    skippedInLiquidation: 0,
    skippedNothingToReduce: 0,
    auctionBids: 0,
    auctionTakes: 0,
  };
}

const TAPES = new WeakMap<Venue, MarketTape>();
/** Each venue's activity counters: the same object as its tape's, kept after the tape is let go. */
const ACTIVITY = new WeakMap<Venue, OrderActivity>();

/**
 * The shared tape of a venue (created, and hooked to `loop`, on first use). Its entry is deleted
 * when the loop completes (a run's end): V8's minor GC keeps a long-lived WeakMap's values alive
 * while their key is young, and the tape holds the venue and the loop, so an entry left in place
 * carried each run's whole world into old space (~0.8 MB per minor GC, and a full mark-compact
 * every ~14 runs of the sweep bench). The activity counters hold no reference back to the venue;
 * they stay readable after the run.
 */
export function marketTape(venue: Venue, loop: RunLoop): MarketTape {
  let t = TAPES.get(venue);
  if (!t) {
    t = new MarketTape(venue, loop);
    TAPES.set(venue, t);
    ACTIVITY.set(venue, t.activity);
    loop.tick$.subscribe({ complete: () => TAPES.delete(venue) });
  }
  return t;
}

/** Order activity of all agents trading on `venue` (limit orders, IOCs, cancels...), also after the run. */
export function orderActivity(venue: Venue): OrderActivity {
  return ACTIVITY.get(venue) ?? noOrderActivity();
}

/** A read of the tape with an argument outside what it keeps (a bug in the agent). */
function lookupRejected(field: string, value: number, allowed: string): CascadeError {
  return new CascadeError("INVALID_ARGUMENT", field, value, allowed, "lookup rejected");
}

/**
 * An order quantity an agent computed: floored to lots by the caller, and 0 or less sends nothing.
 * NaN or an infinity is a bug in the agent: NaN reached the venue after being counted as an order,
 * and Infinity silently became the largest order.
 */
function lots(quantity: number): number {
  if (!Number.isFinite(quantity)) {
    throw new CascadeError(
      "INVALID_QUANTITY",
      "quantity",
      quantity,
      "a finite number of lots (floored; 0 or less sends nothing)",
      "order rejected",
    );
  }
  return quantity;
}

/**
 * What one agent can see and do: its own account, public market data (top of book, depth, recent
 * trades, marks, oracle, moving averages, volatility), its own Rng, and order functions bound to
 * its own account. Order quantities are capped with `venue.maxOrderQuantity`, so an agent never
 * sends an order that would breach initial margin. There is no way to reach another account.
 */
export class AgentView {
  readonly #venue: Venue;
  readonly #tape: MarketTape;
  /** The order request reused by limit/ioc (the venue reads it synchronously and keeps nothing). */
  readonly #order: OrderRequest;
  /** The result the venue overwrites on each of those submits (agents quote every tick: no garbage). */
  readonly #result: OrderResult = { orderId: 0, filled: 0, resting: 0, notional: 0, averagePrice: 0 };
  /** Limit and IOC orders this view sent to the venue (the world reports them per population). */
  #ordersSent = 0;
  /**
   * Cash this view deposited (`deposit`: margin top-ups; the capital deposited at the start is not
   * counted), in a typed array: a field holding a large double would allocate at each store.
   */
  readonly #deposited = new Float64Array(1);

  constructor(
    venue: Venue,
    tape: MarketTape,
    /** The agent's own account. */
    readonly account: number,
    /** The agent's own random stream. */
    readonly rng: Rng,
  ) {
    this.#venue = venue;
    this.#tape = tape;
    this.#order = {
      account,
      instrument: 0,
      side: 1,
      quantity: 0,
      type: "limit",
      price: 0,
      tif: "GTC",
      reduceOnly: false,
    };
  }

  /** Limit and IOC orders sent to the venue through this view (orders capped to 0 lots are not sent). */
  get ordersSent(): number {
    return this.#ordersSent;
  }

  /** Cash deposited through `deposit` (after the starting capital). */
  get deposited(): number {
    return this.#deposited[0];
  }

  get tick(): number {
    return this.#venue.tick;
  }
  get instrumentCount(): number {
    return this.#tape.n;
  }
  minPrice(i: number): number {
    this.checkInstrument(i);
    return this.#tape.instruments[i].minPrice;
  }
  maxPrice(i: number): number {
    this.checkInstrument(i);
    return this.#tape.instruments[i].maxPrice;
  }
  contractValue(i: number): number {
    this.checkInstrument(i);
    return this.#tape.instruments[i].contractValue;
  }

  // ---- own account
  cash(): number {
    return this.#venue.cash(this.account);
  }
  position(i: number): number {
    return this.#venue.position(this.account, i);
  }
  equity(): number {
    return this.#venue.equity(this.account);
  }
  freeMargin(): number {
    return this.#venue.freeMargin(this.account);
  }
  marginRatio(): number {
    return this.#venue.marginRatio(this.account);
  }
  /** Maintenance margin of the positions at the marks (what equity must stay above). */
  maintenanceRequirement(): number {
    return this.#venue.maintenanceRequirement(this.account);
  }
  /**
   * Adds `amount` cash (a whole number >= 1) to the account from outside the venue: a margin
   * top-up. Not an order: it goes through while the account is in liquidation (frozen), and the
   * venue counts it in its deposits (cash stays conserved). Throws the venue's INVALID_AMOUNT for
   * anything else.
   */
  deposit(amount: number): void {
    this.#venue.deposit(this.account, amount);
    this.#deposited[0] += amount;
  }
  leverage(): number {
    return this.#venue.leverage(this.account);
  }
  openOrders(): readonly number[] {
    return this.#venue.openOrders(this.account);
  }

  // ---- public market data
  bestBid(i: number): number {
    return this.#venue.book(i).bestBid();
  }
  bestAsk(i: number): number {
    return this.#venue.book(i).bestAsk();
  }
  /** Book mid; with a side empty, the last trade (or mark) bounded by the side still quoted. */
  mid(i: number): number {
    return this.#tape.currentMid(i);
  }
  depth(
    i: number,
    side: Side,
    levels: number,
    outPrices: number[] | Float64Array,
    outQty: number[] | Float64Array,
  ): number {
    return this.#venue.book(i).depth(side, levels, outPrices, outQty);
  }
  mark(i: number): number {
    return this.#venue.mark(i);
  }
  oraclePrice(i: number): number {
    return this.#venue.oraclePrice(i);
  }
  recentTrades(i: number, max?: number): Trade[] {
    this.checkInstrument(i);
    return this.#tape.recentTrades(i, max);
  }
  lastTradePrice(i: number): number {
    this.checkInstrument(i);
    return this.#tape.lastTradePrice(i);
  }
  /** Average mid over the last `window` ticks (an integer >= 1; capped to 8,191), NaN until recorded. */
  movingAverage(i: number, window: number): number {
    this.checkInstrument(i);
    // The tape indexes its ring with the window: a negative one gave a negative price, 0 NaN, and a
    // fraction a sum of floor(window) mids divided by the fraction.
    if (!(Number.isInteger(window) && window >= 1))
      throw lookupRejected("window", window, "an integer number of ticks >= 1 (capped to 8,191)");
    return this.#tape.movingAverage(i, window);
  }
  /** Mid `ago` ticks back (an integer >= 0), NaN if not recorded. */
  midAgo(i: number, ago: number): number {
    this.checkInstrument(i);
    // A negative ago read the ring ahead of the current tick: a mid 8,191 ticks old, or 0.
    if (!(Number.isInteger(ago) && ago >= 0))
      throw lookupRejected("ago", ago, "an integer number of ticks >= 0 (NaN beyond the recorded history)");
    return this.#tape.midAgo(i, ago);
  }
  /** EW sd of log mid returns; horizon 0..3 = half-life 30, 300, 3,000, 30,000 ticks. */
  volatility(i: number, horizon = 0): number {
    this.checkInstrument(i);
    // The tape keeps four horizons per instrument in one array: horizon 4 was the next instrument's 0.
    if (!(horizon === 0 || horizon === 1 || horizon === 2 || horizon === 3))
      throw lookupRejected("horizon", horizon, "0, 1, 2 or 3 (half-life 30, 300, 3,000 or 30,000 ticks)");
    return this.#tape.volatility(i, horizon);
  }
  volatilityRatio(i: number): number {
    this.checkInstrument(i);
    return this.#tape.volatilityRatio(i);
  }

  /**
   * The venue's own instrument check, for the methods that read the tape's arrays or price an
   * order before the venue sees it: there a bad index gave NaN, undefined or a TypeError.
   */
  private checkInstrument(i: number): void {
    if (!(Number.isInteger(i) && i >= 0 && i < this.#tape.n)) {
      throw new CascadeError(
        "UNKNOWN_INSTRUMENT",
        "instrument",
        i,
        `an instrument id in [0, ${this.#tape.n - 1}] (instrumentId(symbol))`,
        "lookup rejected",
      );
    }
  }
  openAuctions(): ReturnType<Venue["openAuctions"]> {
    return this.#venue.openAuctions();
  }
  /** openAuctions() copied into `out` (reused objects); returns how many are open. */
  openAuctionsInto(out: Parameters<Venue["openAuctionsInto"]>[0]): number {
    return this.#venue.openAuctionsInto(out);
  }
  auctionPrice(id: number): number {
    return this.#venue.auctionPrice(id);
  }

  // ---- orders (own account only)
  /** Largest quantity that passes the venue's initial-margin check now. */
  maxQuantity(i: number, side: Side, price: number): number {
    return this.#venue.maxOrderQuantity(this.account, i, side, price);
  }

  private clampPrice(i: number, price: number): number {
    this.checkInstrument(i);
    // Rounding and clamping serve agents that price in floats; NaN or an infinity is a bug in the
    // agent (it reached the margin search and failed there, naming neither the order nor the call).
    if (!Number.isFinite(price)) {
      throw new CascadeError(
        "INVALID_PRICE",
        "price",
        price,
        "a finite price in ticks (rounded to the tick grid, clamped to the instrument's band)",
        "order rejected",
      );
    }
    const ins = this.#tape.instruments[i];
    const p = Math.round(price);
    return p < ins.minPrice ? ins.minPrice : Math.min(p, ins.maxPrice);
  }

  /**
   * The side of an order the agent sends, checked before the margin check or the reduce-only
   * lookup would refuse it under their own names (`marginAllows rejected`), which the agent never called.
   */
  private checkSide(side: Side): void {
    if (side !== BUY && side !== SELL) throw sideRejected(side, "order rejected");
  }

  /**
   * Quantity capped to what initial margin allows: min(venue.maxOrderQuantity, q). The venue's
   * check of q itself (one evaluation, what submit will test) settles the common case; the search
   * runs only when q does not pass.
   */
  private capQuantity(i: number, side: Side, q: number, price: number): number {
    const venue = this.#venue;
    if (venue.marginAllows(this.account, i, side, q, price)) return q;
    return Math.min(venue.maxOrderQuantity(this.account, i, side, price), q);
  }

  /**
   * Limit order (GTC by default), quantity capped to what initial margin allows; returns the
   * order id, or -1 when nothing was sent (capped to 0).
   */
  limit(
    i: number,
    side: Side,
    quantity: number,
    price: number,
    tif: "GTC" | "IOC" | "POST_ONLY" = "GTC",
    reduceOnly = false,
  ): number {
    const p = this.clampPrice(i, price);
    let q = Math.min(Math.floor(lots(quantity)), this.#tape.maxLots[i]);
    if (q <= 0) return -1; // nothing asked (under one lot): not a margin skip
    this.checkSide(side);
    const act = this.#tape.activity;
    if (reduceOnly) {
      const pos = this.position(i);
      // Lots the account's own open auctions hold cannot be sold again (the venue refuses them).
      const room =
        pos === 0 || Math.sign(pos) === side ? 0 : this.#venue.reducibleQuantity(this.account, i, side);
      if (room <= 0) {
        act.skippedNothingToReduce++;
        return -1;
      }
      q = Math.min(q, room);
      // reduce-only orders skip the margin cap, not the venue's freeze of an account in liquidation
      if (this.#venue.isFrozen(this.account)) q = 0;
    } else {
      if (tif === "POST_ONLY") {
        // A maker's quote (most of a run's orders): checked and sent in one venue call when margin
        // allows all of q; otherwise the general path below caps it, as for any order.
        const id = this.#venue.postQuote(this.account, i, side, q, p);
        if (id !== QUOTE_NOT_SENT) {
          act.limitOrders++;
          this.#ordersSent++;
          return id;
        }
      }
      q = this.capQuantity(i, side, q, p);
    }
    if (q <= 0) {
      this.countSkip(act, i, side);
      return -1;
    }
    act.limitOrders++;
    if (tif === "IOC") act.iocOrders++;
    this.#ordersSent++;
    const o = this.#order;
    o.instrument = i;
    o.side = side;
    o.quantity = q;
    o.price = p;
    o.tif = tif;
    o.reduceOnly = reduceOnly;
    const r = this.#venue.submit(o, this.#result);
    return r.resting > 0 ? r.orderId : -1;
  }

  /** Marketable immediate-or-cancel order bounded by `limitPrice`; returns the filled quantity. */
  ioc(i: number, side: Side, quantity: number, limitPrice: number): number {
    const p = this.clampPrice(i, limitPrice);
    let q = Math.min(Math.floor(lots(quantity)), this.#tape.maxLots[i]);
    if (q <= 0) return 0; // nothing asked (under one lot): not a margin skip
    this.checkSide(side);
    q = this.capQuantity(i, side, q, p);
    const act = this.#tape.activity;
    if (q <= 0) {
      this.countSkip(act, i, side);
      return 0;
    }
    act.limitOrders++;
    act.iocOrders++;
    this.#ordersSent++;
    const o = this.#order;
    o.instrument = i;
    o.side = side;
    o.quantity = q;
    o.price = p;
    o.tif = "IOC";
    o.reduceOnly = false;
    return this.#venue.submit(o, this.#result).filled;
  }

  /**
   * An order (or auction take) of `side` in `i` not sent: its account is in liquidation (frozen by the venue), its
   * own open auctions hold lots of the position that side trades (sell: a long, buy: a short), or
   * else margin capped it to 0.
   */
  private countSkip(act: OrderActivity, i: number, side: Side): void {
    const venue = this.#venue;
    if (venue.isFrozen(this.account)) act.skippedInLiquidation++;
    else if (venue.reserved(this.account, i) > 0 && Math.sign(venue.position(this.account, i)) === -side)
      act.skippedForAuction++;
    else act.skippedForMargin++;
  }

  /** Whether the agent's account is in liquidation under a policy that freezes it: no order is sent meanwhile. */
  inLiquidation(): boolean {
    return this.#venue.isFrozen(this.account);
  }

  /** Cancels one of the agent's resting orders; false if it is no longer resting. */
  cancel(orderId: number): boolean {
    if (this.#venue.cancelIfResting(this.account, orderId) === -1) return false;
    this.#tape.activity.cancels++;
    return true;
  }

  /** Cancels all the agent's resting orders (of one instrument); returns how many orders. */
  cancelAll(i?: number): number {
    // The venue checks the instrument only when there is an order to cancel.
    if (i !== undefined) this.checkInstrument(i);
    const open = this.#venue.openOrders(this.account);
    const before = open.length;
    if (before === 0) return 0;
    this.#venue.cancelAll(this.account, i);
    const n = before - this.#venue.openOrders(this.account).length;
    this.#tape.activity.cancels += n;
    return n;
  }

  /**
   * Takes up to `quantity` of an auction if its price is no worse than `maxPrice`, the quantity
   * capped by initial margin at the auction's price (as `maxQuantity`); returns lots taken. A take
   * capped to 0 is not sent (counted as an order's skip: frozen, own auctions' lots, or margin).
   */
  takeAuction(auctionId: number, quantity: number, maxPrice: number): number {
    const venue = this.#venue;
    const act = this.#tape.activity;
    let q = Math.floor(quantity);
    // Uncapped, a take beyond what the account's margin carries threw INSUFFICIENT_MARGIN and
    // stopped the run. A quantity the venue refuses anyway (NaN, < 1), an unknown id, a closed
    // auction or the account's own auction is passed on for the venue to name.
    if (q >= 1 && Number.isInteger(auctionId) && auctionId >= 1 && auctionId <= venue.auctionCount()) {
      const a = venue.auction(auctionId);
      if (a.status === "open" && a.seller !== this.account) {
        const side: Side = a.side === SELL ? BUY : SELL;
        // 0 as well for an account in liquidation (frozen): the venue would refuse its take
        const cap = venue.maxOrderQuantity(this.account, a.instrument, side, venue.auctionPrice(auctionId));
        if (cap < q) {
          if (cap <= 0) {
            this.countSkip(act, a.instrument, side);
            return 0;
          }
          q = cap;
        }
      }
    }
    const taken = venue.takeAuction(auctionId, this.account, q, maxPrice);
    act.auctionBids++;
    if (taken > 0) act.auctionTakes++;
    return taken;
  }
}
