/**
 * The venue: one order book per instrument, the ledger (cash and signed positions per account),
 * settlement of every fill with maker/taker fees, mark prices, the cross-margin model, transfers
 * used by liquidation mechanisms, Dutch auctions, and RxJS event streams.
 *
 * Money is exact: cash and positions are integers (safe-integer guarded) and every change moves
 * value between accounts, so `totalCash() === totalDeposits` and `totalPosition(i) === 0` always.
 * Inputs are bounded up front (order notional, deposits, transfers); an operation whose fills take an
 * account's cash, cost basis or realized PnL beyond +-(2^53 - 1), where sums would round, completes
 * and then throws LEDGER_OVERFLOW.
 * Fees go to `feeAccount`. Marks, equity and margin numbers are floats (analytics).
 *
 * Ledger storage is struct-of-arrays (index `account * instrumentCount + instrument`); every
 * account keeps the list of instruments it is active in (position or resting orders), so margin
 * reads cost O(instruments held). Matching is synchronous; while the venue is inside an order or
 * transfer operation (including its fills$/book$/auctions$/transfers$ emissions) any further
 * mutating call throws REENTRANT_ORDER: reactions must be queued with `loop.defer`.
 */
import { CascadeError, copyInto, FastSubject, type RunLoop } from "@cascade/core";
import type { Observable } from "rxjs";
import { type AuctionEvent, type AuctionSpec, type AuctionState, dutchPrice } from "./auction.js";
import {
  type Instrument,
  type InstrumentSpec,
  initialMargin,
  type MarginSpec,
  maintenanceAmount,
  maintenanceMargin,
  maintenanceRate,
  makeInstrument,
  scaledMargin,
} from "./instrument.js";
import { type AccountId, healthFactorFrom, uniformDistance } from "./margin.js";
import { type MarkKind, type MarkSpec, type MarkUpdate, nextMark, validateMarkSpec } from "./marks.js";
import {
  type BookListener,
  BUY,
  CANCEL_POST_ONLY,
  CANCEL_UNFILLED,
  type CancelReason,
  GTC,
  IOC,
  OrderBook,
  POST_ONLY,
  SELL,
  type Side,
  sideRejected,
  type TimeInForce,
} from "./orderbook.js";
import { VolatilityMultiplier } from "./volatility-margin.js";

export interface VenueConfig {
  instruments: InstrumentSpec[];
  /** Default 0 and 0; fee = floor(notional * bps / 10_000) of the decimal bps (at most 8 decimals: exactFeeBps), exact in integers, paid to feeAccount (a negative bps is a rebate, rounded toward zero, no larger than the other side's fee: takerBps + makerBps >= 0). */
  fees?: { makerBps: number; takerBps: number };
  /** Default { kind: "mid" }; mid falls back to last trade, then previous mark. */
  mark?: MarkSpec;
}

export type TimeInForceName = "GTC" | "IOC" | "POST_ONLY";
export interface OrderRequest {
  account: AccountId;
  instrument: number;
  side: Side;
  quantity: number;
  type: "limit" | "market";
  /** Limit price (required for limit). */
  price?: number;
  /** Limit only, default GTC. */
  tif?: TimeInForceName;
  /** Market only: slippage bound. */
  worstPrice?: number;
  /** Quantity is capped to the (unreserved) position it reduces; rejected (REDUCE_ONLY) if no such position. */
  reduceOnly?: boolean;
  /** Opaque integer carried on fills (the liquidation engine uses liquidation ids); default -1. */
  tag?: number;
}
export interface OrderResult {
  orderId: number;
  filled: number;
  resting: number;
  notional: number;
  /** NaN if nothing filled. */
  averagePrice: number;
}
export interface Fill {
  tick: number;
  instrument: number;
  price: number;
  quantity: number;
  notional: number;
  buyer: AccountId;
  seller: AccountId;
  takerSide: Side;
  makerOrderId: number;
  takerOrderId: number;
  makerTag: number;
  takerTag: number;
  makerFee: number;
  takerFee: number;
}
export interface BookUpdate {
  tick: number;
  instrument: number;
  bestBid: number;
  bestAsk: number;
}
export interface Transfer {
  tick: number;
  kind: "cash" | "position";
  from: AccountId;
  to: AccountId;
  /** -1 for cash transfers. */
  instrument: number;
  /** Signed lots moved (0 for cash). */
  quantity: number;
  /** Ticks (0 for cash). */
  price: number;
  /** Cash moved: for cash transfers from -> to; for positions paid by `to` to `from` (quantity * price * cv, signed). */
  amount: number;
  reason: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const REJECT = "order rejected";
/** postQuote's answer when it sent nothing (not an order id, nor -1: a quote cancelled for crossing). */
export const QUOTE_NOT_SENT = -2;
/** Both sides, for the cold paths that look at each. */
const SIDES: readonly Side[] = [BUY, SELL];

/** Removes the element at `at` keeping the order (no splice: it allocates the removed part). */
function removeAt(list: number[], at: number): void {
  const last = list.length - 1;
  for (let k = at; k < last; k++) list[k] = list[k + 1];
  list.pop();
}

/** Per-instrument adapter from book callbacks to the venue (no closures on the hot path). */
class BookEvents implements BookListener {
  constructor(
    private readonly venue: Venue,
    private readonly instrument: number,
  ) {}
  onFill(
    makerId: number,
    makerOwner: number,
    takerId: number,
    takerOwner: number,
    takerSide: Side,
    price: number,
    qty: number,
    makerRemaining: number,
  ): void {
    // biome-ignore lint/complexity/useLiteralKeys: private access from the companion class
    this.venue["onFill"](
      this.instrument,
      makerId,
      makerOwner,
      takerId,
      takerOwner,
      takerSide,
      price,
      qty,
      makerRemaining,
    );
  }
  onCancel(
    orderId: number,
    owner: number,
    side: Side,
    _price: number,
    qty: number,
    reason: CancelReason,
  ): void {
    // biome-ignore lint/complexity/useLiteralKeys: private access from the companion class
    this.venue["onCancel"](this.instrument, orderId, owner, side, qty, reason);
  }
  onRest(orderId: number, owner: number, side: Side, _price: number, qty: number): void {
    // biome-ignore lint/complexity/useLiteralKeys: private access from the companion class
    this.venue["onRest"](this.instrument, orderId, owner, side, qty);
  }
  reduceOnlyAllowance(_orderId: number, owner: number, side: Side): number {
    // biome-ignore lint/complexity/useLiteralKeys: private access from the companion class
    return this.venue["reducible"](owner, this.instrument, side);
  }
}

export class Venue {
  readonly instruments: readonly Instrument[];
  readonly feeAccount: AccountId;
  /**
   * `instruments` in a plain array, for the hot paths: Node 20's optimizing compiler does not inline
   * element loads from a frozen array (each one calls an inline-cache stub, ~4x slower).
   */
  private readonly inst: readonly Instrument[];

  private readonly nI: number;
  private readonly books: OrderBook[] = [];
  private readonly symbols = new Map<string, number>();
  private readonly cvs: Float64Array;
  private readonly maxQty: Float64Array;
  private readonly marks: Float64Array;
  private readonly lastTrade: Float64Array;
  private readonly oracle: Float64Array;
  private readonly markKind: MarkKind;
  /**
   * The margin rates in force per instrument: the spec's, scaled by the volatility multiplier of an
   * instrument with margin.volatility (the spec's own object while the multiplier is 1).
   */
  private readonly margins: MarginSpec[];
  /** Per instrument, its multiplier's state when its margin has a volatility rule. */
  private readonly volatilityOf: Array<VolatilityMultiplier | undefined>;
  /** Whether any instrument has one (the marks phase skips the reviews otherwise). */
  private readonly anyVolatility: boolean;
  private marginChanges = 0;
  private readonly emaAlpha: number;
  /** Maker and taker fee rates in basis points of the fill's notional (negative: a rebate). */
  readonly fees: Readonly<{ makerBps: number; takerBps: number }>;
  private readonly worstFeeBps: number;
  /** The fee rates as exact fractions of notional (see feeRate). */
  private readonly makerRate: FeeRate;
  private readonly takerRate: FeeRate;

  // ---- ledger (struct of arrays; k = account * nI + instrument)
  private cap = 0;
  private nAcc = 0;
  private cashA = new Float64Array(0);
  private posA = new Float64Array(0);
  private costA = new Float64Array(0);
  private realA = new Float64Array(0);
  private restBuyA = new Float64Array(0);
  private restSellA = new Float64Array(0);
  private resLongA = new Float64Array(0);
  private resShortA = new Float64Array(0);
  private activeFlag = new Uint8Array(0);
  private nonZero = new Int32Array(0);
  private roCount = new Int32Array(0);
  private exempt = new Uint8Array(0);
  /** 1: the account is in liquidation under a policy that freezes it (freeze / unfreeze). */
  private frozenA = new Uint8Array(0);
  /** Why each frozen account is frozen (quoted in the refusal). */
  private readonly frozenWhy = new Map<number, string>();
  /** An order of submitLiquidationOrder is under way: the freeze does not apply to it. */
  private liquidationOrder = false;
  private readonly labels: string[] = [];
  private readonly active: number[][] = [];
  private readonly orders: number[][] = [];
  private readonly withPositions = new Set<number>();
  private deposits = 0;
  private now = 0;

  // ---- orders
  private nextOrderId = 1;
  /** The account whose cancelAll is running (its list is compacted once at the end), or -1. */
  private bulkOwner = -1;
  /** The buy and sell quantities cancelResting removed (cancelAll). */
  private readonly cancelled = new Float64Array(2);
  private readonly orderTag = new Map<number, number>();
  private readonly roOrders = new Set<number>();
  private readonly roPending: number[] = [];
  private readonly roScratch: number[] = [];
  private readonly roUsed: Float64Array;
  private readonly dirty: Uint8Array;
  private anyDirty = false;

  // ---- current operation
  private busy = false;
  /**
   * An account whose cash, cost basis or realized PnL passed +-(2^53 - 1) during the operation under
   * way (-1: none), and that value. Order notional and deposits are bounded up front, but an
   * account's balance adds up many fills; beyond 2^53 integer sums round. The operation completes
   * (books and ledger stay consistent) and then throws LEDGER_OVERFLOW: results cannot stay exact.
   */
  private overflowAccount = -1;
  private overflowValue = 0;
  private curTag = -1;
  private curReduceOnly = false;
  private curFilled = 0;
  private curNotional = 0;
  /** Quantity the order under way left resting (onRest: only the incoming order rests). */
  private curRested = 0;
  private lastIM = 0;
  private lastEquity = 0;
  /** measureHealthFactor's result (a field, not a return value: see onlyReduces). */
  private lastHealthFactor = 0;
  /**
   * Bumped by every write to what the margin check reads (cash, positions, resting quantities,
   * marks). `passed` is the last order marginAllows passed for a margin-checked account (account,
   * instrument, side, quantity, price) and the version it saw: submit does not evaluate that same
   * order again while nothing changed (agents ask marginAllows, then submit, every order).
   */
  private ledgerVersion = 0;
  private readonly passed = new Float64Array([-1, -1, 0, 0, 0, -1]);

  // ---- auctions (id = index + 1)
  private readonly auctionList: AuctionState[] = [];
  private openAuctionList: AuctionState[] = [];
  /** The auctions a transfer into their seller's position shrank (newest first) and the lots each gave up. */
  private readonly shrunk: AuctionState[] = [];
  private readonly shrunkLots: number[] = [];

  // ---- streams
  private readonly fillsS = new FastSubject<Fill>();
  private readonly bookS = new FastSubject<BookUpdate>();
  private readonly marksS = new FastSubject<MarkUpdate>();
  private readonly auctionsS = new FastSubject<AuctionEvent>();
  private readonly transfersS = new FastSubject<Transfer>();
  readonly fills$: Observable<Fill> = this.fillsS.asObservable();
  readonly book$: Observable<BookUpdate> = this.bookS.asObservable();
  readonly marks$: Observable<MarkUpdate> = this.marksS.asObservable();
  readonly auctions$: Observable<AuctionEvent> = this.auctionsS.asObservable();
  readonly transfers$: Observable<Transfer> = this.transfersS.asObservable();

  constructor(config: VenueConfig) {
    if (config === null || typeof config !== "object") {
      throw new CascadeError(
        "INVALID_CONFIG",
        "config",
        config,
        "an object { instruments, fees?, mark? }",
        "invalid venue config",
      );
    }
    if (!Array.isArray(config.instruments) || config.instruments.length === 0) {
      throw new CascadeError(
        "INVALID_CONFIG",
        "instruments",
        config.instruments,
        "a non-empty array of instrument specs",
        "invalid venue config",
      );
    }
    const taken = new Set<string>();
    const instruments = config.instruments.map((s, id) => makeInstrument(id, s, taken));
    this.inst = instruments;
    this.instruments = Object.freeze(instruments.slice());
    const n = instruments.length;
    this.nI = n;
    this.cvs = new Float64Array(n);
    this.maxQty = new Float64Array(n);
    this.marks = new Float64Array(n);
    this.lastTrade = new Float64Array(n).fill(Number.NaN);
    this.oracle = new Float64Array(n);
    this.roUsed = new Float64Array(2 * n);
    this.dirty = new Uint8Array(n);
    this.margins = instruments.map((ins) => ins.margin);
    this.volatilityOf = instruments.map((ins) =>
      ins.margin.volatility === undefined
        ? undefined
        : new VolatilityMultiplier(ins.margin.volatility, ins.initialPrice),
    );
    this.anyVolatility = this.volatilityOf.some((v) => v !== undefined);
    for (const ins of instruments) {
      this.symbols.set(ins.symbol, ins.id);
      this.cvs[ins.id] = ins.contractValue;
      this.maxQty[ins.id] = Math.floor(MAX_SAFE / (ins.maxPrice * ins.contractValue));
      this.marks[ins.id] = ins.initialPrice;
      this.oracle[ins.id] = ins.initialPrice;
      this.books.push(
        new OrderBook({
          minPrice: ins.minPrice,
          maxPrice: ins.maxPrice,
          listener: new BookEvents(this, ins.id),
        }),
      );
    }
    const fees = config.fees === undefined ? { makerBps: 0, takerBps: 0 } : config.fees;
    if (fees === null || typeof fees !== "object") {
      throw new CascadeError(
        "INVALID_CONFIG",
        "fees",
        fees,
        "undefined or { makerBps, takerBps }",
        "invalid venue config",
      );
    }
    for (const f of ["makerBps", "takerBps"] as const) {
      const v = fees[f];
      if (typeof v !== "number" || !Number.isFinite(v) || v < -10_000 || v > 10_000 || !exactFeeBps(v)) {
        throw new CascadeError(
          "INVALID_CONFIG",
          `fees.${f}`,
          v,
          `a finite number of basis points in [-10000, 10000] with at most ${FEE_DECIMALS} decimals (the venue charges the decimal exactly)`,
          "invalid venue config",
        );
      }
    }
    // A rebate on one side is paid out of the other side's fee: a venue paying both sides of a
    // trade (takerBps + makerBps < 0) would run its fee account below zero.
    if (fees.makerBps + fees.takerBps < 0) {
      const maker = fees.makerBps < 0;
      const [field, value, other, otherBps] = maker
        ? ["makerBps", fees.makerBps, "takerBps", fees.takerBps]
        : ["takerBps", fees.takerBps, "makerBps", fees.makerBps];
      throw new CascadeError(
        "INVALID_CONFIG",
        `fees.${field}`,
        value,
        `a rebate no larger than the ${maker ? "taker" : "maker"} fee: ${field} >= -${other} = ${0 - otherBps} (takerBps + makerBps >= 0; no venue pays both sides of a trade, and its fee account would go below zero)`,
        "invalid venue config",
      );
    }
    this.fees = Object.freeze({ makerBps: fees.makerBps, takerBps: fees.takerBps });
    this.worstFeeBps = Math.max(0, fees.makerBps, fees.takerBps);
    this.makerRate = feeRate(fees.makerBps);
    this.takerRate = feeRate(fees.takerBps);
    const mark = validateMarkSpec(config.mark);
    this.markKind = mark.kind;
    this.emaAlpha = mark.emaAlpha;
    this.feeAccount = this.openAccount("fees", { marginExempt: true });
  }

  // =============================================================================================
  // Instruments, time, marks
  // =============================================================================================

  instrumentId(symbol: string): number {
    const id = this.symbols.get(symbol);
    if (id === undefined) {
      throw new CascadeError(
        "UNKNOWN_INSTRUMENT",
        "symbol",
        symbol,
        `one of ${[...this.symbols.keys()].join(", ")}`,
        "lookup rejected",
      );
    }
    return id;
  }

  /** The instrument's book, for queries only (never call limit/market/cancel/reduce on it). */
  book(instrument: number): OrderBook {
    this.checkInstrument("instrument", instrument, "lookup rejected");
    return this.books[instrument];
  }

  get tick(): number {
    return this.now;
  }

  /** Start of tick: sets the tick and expires auctions whose duration has passed. */
  advance(tick: number): void {
    // Expiring an auction inside another operation (e.g. from an auctions$ observer during a take)
    // would close it twice and drop a different auction from the open list, its lots reserved forever.
    if (this.busy) this.reentrant("advance");
    if (!Number.isSafeInteger(tick) || tick < this.now) {
      throw new CascadeError(
        "INVALID_TICK",
        "tick",
        tick,
        `an integer >= the current tick ${this.now}`,
        "advance rejected",
      );
    }
    this.now = tick;
    if (this.openAuctionList.length === 0) return;
    let expired = false;
    for (const a of this.openAuctionList) if (tick >= a.startTick + a.durationTicks) expired = true;
    if (!expired) return;
    const still: AuctionState[] = [];
    const ended: AuctionState[] = [];
    for (const a of this.openAuctionList) (tick >= a.startTick + a.durationTicks ? ended : still).push(a);
    this.openAuctionList = still;
    for (const a of ended) this.closeAuction(a, "expired");
  }

  /**
   * The marks phase: recomputes every mark (see MarkKind) and emits marks$; then, once every mark is
   * set, reviews the volatility-linked margins (reviewMargins): the rates a liquidation phase after it
   * reads are this tick's.
   */
  updateMarks(): void {
    if (this.busy) this.reentrant("updateMarks");
    this.ledgerVersion++;
    const n = this.nI;
    if (!this.marksS.observed) {
      for (let i = 0; i < n; i++) this.marks[i] = this.nextMarkOf(i);
      if (this.anyVolatility) this.reviewMargins();
      return;
    }
    // An observer's order would move a book whose mark the loop has yet to compute.
    this.busy = true;
    try {
      for (let i = 0; i < n; i++) {
        const m = this.nextMarkOf(i);
        this.marks[i] = m;
        this.marksS.next({ tick: this.now, instrument: i, mark: m });
      }
    } finally {
      this.busy = false;
    }
    if (this.anyVolatility) this.reviewMargins();
  }

  /**
   * Hands each volatility-linked instrument its new mark (VolatilityMultiplier) and, where the
   * review changed the multiplier, puts the scaled rates in force (instrument order).
   */
  private reviewMargins(): void {
    for (let i = 0; i < this.nI; i++) {
      const v = this.volatilityOf[i];
      if (v === undefined || !v.onMark(this.marks[i])) continue;
      this.margins[i] = scaledMargin(this.inst[i].margin, v.multiplier);
      this.marginChanges++;
    }
  }

  /**
   * The margin rates in force for `instrument` (what every requirement, the pre-trade check and the
   * liquidation engine read): its spec's `margin`, or with margin.volatility those rates times the
   * current multiplier, each capped at 1 (scaledMargin; the spec's own object while the multiplier
   * is 1). `instruments[i].margin` stays the spec as written.
   */
  marginOf(instrument: number): MarginSpec {
    this.checkInstrument("instrument", instrument, "lookup rejected");
    return this.margins[instrument];
  }

  /** The volatility multiplier in force for `instrument` (1 without margin.volatility). */
  marginMultiplier(instrument: number): number {
    this.checkInstrument("instrument", instrument, "lookup rejected");
    return this.volatilityOf[instrument]?.multiplier ?? 1;
  }

  /**
   * How many times a review has changed some instrument's rates (0 without margin.volatility): a
   * reader that caches anything computed from the rates (the liquidation engine's bounds) compares
   * it with the count it saw.
   */
  get marginRevision(): number {
    return this.marginChanges;
  }

  private nextMarkOf(i: number): number {
    const book = this.books[i];
    return nextMark(
      this.markKind,
      this.emaAlpha,
      this.marks[i],
      book.mid(),
      this.lastTrade[i],
      this.oracle[i],
      book.bestBid(),
      book.bestAsk(),
    );
  }

  /** Current mark in ticks (float allowed). */
  mark(instrument: number): number {
    this.checkInstrument("instrument", instrument, "lookup rejected");
    return this.marks[instrument];
  }

  /** Last trade price (NaN before the first trade). Extra read-only helper. */
  lastTradePrice(instrument: number): number {
    this.checkInstrument("instrument", instrument, "lookup rejected");
    return this.lastTrade[instrument];
  }

  /** External price path (fundamental / oracle); the mark of kind "oracle" takes it at the next updateMarks(). */
  setOraclePrice(instrument: number, price: number): void {
    this.checkInstrument("instrument", instrument, "oracle update rejected");
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
      throw new CascadeError(
        "INVALID_PRICE",
        "price",
        price,
        "a finite price in ticks > 0",
        "oracle update rejected",
      );
    }
    this.oracle[instrument] = price;
  }

  oraclePrice(instrument: number): number {
    this.checkInstrument("instrument", instrument, "lookup rejected");
    return this.oracle[instrument];
  }

  // =============================================================================================
  // Accounts and ledger
  // =============================================================================================

  /** marginExempt: the pre-trade initial-margin check is skipped (system accounts, backstop vault). */
  openAccount(label?: string, options?: { marginExempt?: boolean }): AccountId {
    if (label !== undefined && typeof label !== "string") {
      throw new CascadeError(
        "INVALID_CONFIG",
        "label",
        label,
        "undefined or a string",
        "openAccount rejected",
      );
    }
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw new CascadeError(
        "INVALID_CONFIG",
        "options",
        options,
        "undefined or { marginExempt?: boolean }",
        "openAccount rejected",
      );
    }
    const ex = options?.marginExempt;
    if (ex !== undefined && typeof ex !== "boolean") {
      throw new CascadeError(
        "INVALID_CONFIG",
        "options.marginExempt",
        ex,
        "undefined or a boolean",
        "openAccount rejected",
      );
    }
    // Growing the per-account arrays under a settlement in progress would lose its writes.
    if (this.busy) this.reentrant("openAccount");
    const a = this.nAcc;
    if (a === this.cap) this.growAccounts();
    this.nAcc = a + 1;
    this.labels.push(label ?? `account ${a}`);
    this.active.push([]);
    this.orders.push([]);
    this.exempt[a] = ex === true ? 1 : 0;
    return a;
  }

  accountCount(): number {
    return this.nAcc;
  }

  label(account: AccountId): string {
    this.checkAccount("account", account, "lookup rejected");
    return this.labels[account];
  }

  isMarginExempt(account: AccountId): boolean {
    this.checkAccount("account", account, "lookup rejected");
    return this.exempt[account] === 1;
  }

  /** The ONLY way money enters; amount a positive safe integer. */
  deposit(account: AccountId, amount: number): void {
    if (this.busy) this.reentrant("deposit");
    this.checkAccount("account", account, "deposit rejected");
    const hi = Math.min(MAX_SAFE - this.deposits, MAX_SAFE - Math.max(0, this.cashA[account]));
    if (!Number.isSafeInteger(amount) || amount < 1 || amount > hi) {
      throw new CascadeError(
        "INVALID_AMOUNT",
        "amount",
        amount,
        `an integer number of cash units in [1, ${hi}]`,
        "deposit rejected",
      );
    }
    this.cashA[account] += amount;
    this.ledgerVersion++;
    this.deposits += amount;
  }

  get totalDeposits(): number {
    return this.deposits;
  }

  /** Index of (account, instrument) in the per-position arrays, after checking both ids. */
  private cell(account: AccountId, instrument: number): number {
    this.checkAccount("account", account, "lookup rejected");
    this.checkInstrument("instrument", instrument, "lookup rejected");
    return account * this.nI + instrument;
  }

  cash(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    return this.cashA[account];
  }

  position(account: AccountId, instrument: number): number {
    return this.posA[this.cell(account, instrument)];
  }

  /** Integer cash paid for the open position (signed like the position; average-cost method); 0 when flat. */
  costBasis(account: AccountId, instrument: number): number {
    return this.costA[this.cell(account, instrument)];
  }

  /** Realized trading PnL of closed lots (before fees; already in cash). Extra read-only helper. */
  realizedPnl(account: AccountId, instrument: number): number {
    return this.realA[this.cell(account, instrument)];
  }

  /** position * mark * cv - costBasis (float). */
  unrealizedPnl(account: AccountId, instrument: number): number {
    const k = this.cell(account, instrument);
    return this.posA[k] * this.marks[instrument] * this.cvs[instrument] - this.costA[k];
  }

  /** Accounts holding any non-zero position (insertion-ordered, maintained incrementally). */
  accountsWithPositions(): Iterable<AccountId> {
    return this.withPositions.values();
  }

  /** Instruments in which `account` has a position or resting orders. Extra read-only helper. */
  heldInstruments(account: AccountId): readonly number[] {
    this.checkAccount("account", account, "lookup rejected");
    return this.active[account];
  }

  /**
   * Lots of the account's position reserved by its open auctions (on the side it holds), at most
   * the position itself (a transfer in, e.g. ADL, that shrinks a position under auction shrinks its
   * auctions too). Extra read-only helper.
   */
  reserved(account: AccountId, instrument: number): number {
    const k = this.cell(account, instrument);
    const q = this.posA[k];
    if (q > 0) return this.resLongA[k];
    if (q < 0) return this.resShortA[k];
    return 0;
  }

  /** Resting quantity of the account's orders on one side of one book. Extra read-only helper. */
  restingQuantity(account: AccountId, instrument: number, side: Side): number {
    const k = this.cell(account, instrument);
    if (side !== BUY && side !== SELL) this.rejectSide(side, "lookup rejected");
    return side === BUY ? this.restBuyA[k] : this.restSellA[k];
  }

  totalCash(): number {
    let s = 0;
    for (let a = 0; a < this.nAcc; a++) s += this.cashA[a];
    return s;
  }

  totalPosition(instrument: number): number {
    this.checkInstrument("instrument", instrument, "lookup rejected");
    const n = this.nI;
    let s = 0;
    for (let a = 0; a < this.nAcc; a++) s += this.posA[a * n + instrument];
    return s;
  }

  // =============================================================================================
  // Orders
  // =============================================================================================

  /**
   * Places an order; matching is synchronous. Rejections (CascadeError) change nothing.
   * Pre-trade check (non-exempt, non-reduce-only): unless the order only reduces the position (it,
   * together with the account's other resting orders on that side, cannot take the position through
   * zero), the worst-case initial requirement at marks (per instrument max(|position + resting buys|,
   * |position - resting sells|), this order included) must not exceed equity, where equity is reduced
   * by the order's adverse price distance to the mark (limit orders) and the larger fee rate.
   * An open auction's lots are the auction's: while the account's sell (buy) auctions hold lots of
   * its long (short), its plain sells (buys), resting ones included, may trade only the rest of the
   * position (AUCTIONED_LOTS), and its reduce-only orders what those leave.
   * The result is a new object, or `out` overwritten and returned: callers that submit every tick
   * pass one of their own so the hot path allocates nothing.
   */
  submit(order: OrderRequest, out?: OrderResult): OrderResult {
    if (this.busy) this.reentrant("submit");
    if (out !== undefined && (out === null || typeof out !== "object")) {
      throw new CascadeError("INVALID_ARGUMENT", "out", out, "undefined or an OrderResult object", REJECT);
    }
    if (order === null || typeof order !== "object") {
      throw new CascadeError("INVALID_ORDER_TYPE", "order", order, "an OrderRequest object", REJECT);
    }
    const a = order.account;
    if (!(Number.isInteger(a) && a >= 0 && a < this.nAcc)) this.checkAccount("account", a, REJECT);
    if (this.frozenA[a] === 1 && !this.liquidationOrder) this.rejectFrozen(a, REJECT);
    const i = order.instrument;
    if (!(Number.isInteger(i) && i >= 0 && i < this.nI)) this.checkInstrument("instrument", i, REJECT);
    const side = order.side;
    if (side !== BUY && side !== SELL) this.rejectSide(side, REJECT);
    let qty = order.quantity;
    if (!Number.isSafeInteger(qty) || qty < 1 || qty > this.maxQty[i]) this.badQuantity(qty, i);
    const book = this.books[i];
    const type = order.type;
    const isLimit = type === "limit";
    let price = 0;
    let tif: TimeInForce = GTC;
    let worst: number | undefined;
    if (isLimit) {
      price = order.price as number;
      if (!Number.isInteger(price) || price < book.minPrice || price > book.maxPrice)
        this.badPrice("price", price, i);
      const t = order.tif;
      if (t !== undefined && t !== "GTC") {
        if (t === "IOC") tif = IOC;
        else if (t === "POST_ONLY") tif = POST_ONLY;
        else
          throw new CascadeError(
            "INVALID_ORDER_TYPE",
            "tif",
            t,
            'undefined, "GTC", "IOC" or "POST_ONLY"',
            REJECT,
          );
      }
      // A field of the other order type would be silently ignored: refuse it instead.
      if (order.worstPrice !== undefined) {
        throw new CascadeError(
          "INVALID_ORDER_TYPE",
          "worstPrice",
          order.worstPrice,
          "undefined on a limit order (its price is the bound)",
          REJECT,
        );
      }
    } else if (type === "market") {
      if (order.price !== undefined) {
        throw new CascadeError(
          "INVALID_ORDER_TYPE",
          "price",
          order.price,
          "undefined on a market order (bound it with worstPrice)",
          REJECT,
        );
      }
      if (order.tif !== undefined) {
        throw new CascadeError(
          "INVALID_ORDER_TYPE",
          "tif",
          order.tif,
          "undefined on a market order (it never rests: what it cannot fill is cancelled)",
          REJECT,
        );
      }
      worst = order.worstPrice;
      if (
        worst !== undefined &&
        (!Number.isInteger(worst) || worst < book.minPrice || worst > book.maxPrice)
      ) {
        this.badPrice("worstPrice", worst, i);
      }
    } else {
      throw new CascadeError("INVALID_ORDER_TYPE", "type", type, '"limit" or "market"', REJECT);
    }
    const tag = order.tag === undefined ? -1 : order.tag;
    if (!Number.isSafeInteger(tag))
      throw new CascadeError("INVALID_TAG", "tag", tag, "undefined or a safe integer", REJECT);
    const ro = order.reduceOnly;
    if (ro !== undefined && ro !== true && ro !== false) {
      throw new CascadeError("INVALID_ORDER_TYPE", "reduceOnly", ro, "undefined or a boolean", REJECT);
    }
    if (ro === true) {
      const k = a * this.nI + i;
      const q = this.posA[k];
      const avail = this.reducible(a, i, side);
      if (avail <= 0) {
        throw new CascadeError(
          "REDUCE_ONLY",
          "reduceOnly",
          true,
          `a ${side === SELL ? "sell" : "buy"} only when the account holds an unreserved ${side === SELL ? "long" : "short"} position (position ${q}, reserved ${this.auctionHeld(k, side)}, less its resting plain ${side === SELL ? "sells" : "buys"} while reserved)`,
          REJECT,
        );
      }
      if (qty > avail) qty = avail;
    } else {
      const k = a * this.nI + i;
      if (this.auctionHeld(k, side) > 0) {
        const room = this.auctionRoom(a, i, side);
        if (qty > room) this.rejectAuctioned(a, i, side, qty, room, "quantity", REJECT);
        // resting, this order shrinks what the account's reduce-only orders on this side may trade
        if (this.roCount[a] > 0) this.roPending.push(a);
      }
      if (this.exempt[a] === 0) {
        const ref = isLimit ? price : this.marks[i];
        if (!this.justPassed(a, i, side, qty, ref) && !this.fits(a, i, side, qty, ref, false))
          this.rejectMargin(a, i, side, qty, ref);
      }
    }
    const id = this.place(book, a, side, qty, isLimit, price, tif, worst, tag, ro === true);
    const filled = this.curFilled;
    const notional = this.curNotional;
    // A reduce-only remainder may have been trimmed after it rested (flushReduceOnly): ask the book.
    const resting = ro === true ? book.remaining(id) : this.curRested;
    const averagePrice = filled > 0 ? notional / (filled * this.cvs[i]) : Number.NaN;
    if (out === undefined) return { orderId: id, filled, resting, notional, averagePrice };
    out.orderId = id;
    out.filled = filled;
    out.resting = resting;
    out.notional = notional;
    out.averagePrice = averagePrice;
    return out;
  }

  /**
   * Sends a checked order to its book under the next order id (submit's last step, and postQuote's):
   * matching, reduce-only trims, the book's updates, the ledger's range check. Fills and the rested
   * quantity are left in curFilled, curNotional and curRested.
   */
  private place(
    book: OrderBook,
    a: number,
    side: Side,
    qty: number,
    isLimit: boolean,
    price: number,
    tif: TimeInForce,
    worst: number | undefined,
    tag: number,
    reduceOnly: boolean,
  ): number {
    const id = this.nextOrderId++;
    this.busy = true;
    this.curTag = tag;
    this.curReduceOnly = reduceOnly;
    this.curFilled = 0;
    this.curNotional = 0;
    this.curRested = 0;
    try {
      if (isLimit) book.limit(id, a, side, price, qty, tif, reduceOnly);
      else book.market(id, a, side, qty, worst);
      if (this.roPending.length > 0) this.flushReduceOnly();
      if (this.anyDirty) this.emitBookUpdates();
    } finally {
      this.busy = false;
      this.curReduceOnly = false;
      this.curTag = -1;
    }
    this.checkExactRange("order");
    return id;
  }

  /**
   * A market maker's quote: a POST_ONLY limit order of `quantity` lots at `price`, untagged and
   * not reduce-only, sent only if marginAllows would pass it now; the same as marginAllows followed
   * by submit, in one call (the quoting path is most of a study's work: one validation and no
   * order object instead of three layers checking the same order). Returns the order id when it
   * rests, -1 when it was cancelled for crossing the book, and QUOTE_NOT_SENT when it was not sent:
   * the account is frozen, its open auctions hold lots on this side, or margin does not allow
   * `quantity` (then marginAllows, maxOrderQuantity and submit say what is allowed). Bad input is
   * refused as submit refuses it.
   */
  postQuote(account: AccountId, instrument: number, side: Side, quantity: number, price: number): number {
    if (this.busy) this.reentrant("submit");
    const a = account;
    if (!(Number.isInteger(a) && a >= 0 && a < this.nAcc)) this.checkAccount("account", a, REJECT);
    const i = instrument;
    if (!(Number.isInteger(i) && i >= 0 && i < this.nI)) this.checkInstrument("instrument", i, REJECT);
    if (side !== BUY && side !== SELL) this.rejectSide(side, REJECT);
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > this.maxQty[i])
      this.badQuantity(quantity, i);
    const book = this.books[i];
    if (!Number.isInteger(price) || price < book.minPrice || price > book.maxPrice)
      this.badPrice("price", price, i);
    if (this.frozenA[a] === 1 || this.auctionHeld(a * this.nI + i, side) > 0) return QUOTE_NOT_SENT;
    if (this.exempt[a] === 0 && !this.fits(a, i, side, quantity, price, false)) return QUOTE_NOT_SENT;
    const id = this.place(book, a, side, quantity, true, price, POST_ONLY, undefined, -1, false);
    return this.curRested > 0 ? id : -1;
  }

  /**
   * A reduce-only order the liquidation engine places for an account in liquidation: `submit`, with
   * the account's freeze (see `freeze`) not applied. Anything but `reduceOnly: true` is refused, so
   * it can only close what the account holds.
   */
  submitLiquidationOrder(order: OrderRequest, out?: OrderResult): OrderResult {
    if (order === null || typeof order !== "object" || order.reduceOnly !== true) {
      throw new CascadeError(
        "INVALID_ORDER_TYPE",
        "reduceOnly",
        order === null || typeof order !== "object" ? order : order.reduceOnly,
        "true (a liquidation order only closes what the account holds)",
        REJECT,
      );
    }
    this.liquidationOrder = true;
    try {
      return this.submit(order, out);
    } finally {
      this.liquidationOrder = false;
    }
  }

  /**
   * Freezes `account` while it is in liquidation (centralised venues cancel a margin-called
   * account's orders and lock it until the liquidation is over): its own new orders (`submit`) and
   * auction takes are refused with ACCOUNT_IN_LIQUIDATION quoting `reason`, `marginAllows` answers
   * false and `maxOrderQuantity` 0. Cancels and reductions of its resting orders, deposits,
   * transfers (penalties, ADL, backstop takeovers), auctions selling its positions and
   * `submitLiquidationOrder` still go through. Freezing a frozen account replaces the reason.
   */
  freeze(account: AccountId, reason: string): void {
    this.checkAccount("account", account, "freeze rejected");
    if (typeof reason !== "string" || reason.length === 0) {
      throw new CascadeError("INVALID_ARGUMENT", "reason", reason, "a non-empty string", "freeze rejected");
    }
    this.frozenA[account] = 1;
    this.frozenWhy.set(account, reason);
  }

  /** Lifts `freeze` (a no-op for an account that is not frozen). */
  unfreeze(account: AccountId): void {
    this.checkAccount("account", account, "unfreeze rejected");
    this.frozenA[account] = 0;
    this.frozenWhy.delete(account);
  }

  /** Whether `account` is frozen by `freeze` (in liquidation under a policy that freezes accounts). */
  isFrozen(account: AccountId): boolean {
    this.checkAccount("account", account, "lookup rejected");
    return this.frozenA[account] === 1;
  }

  /** Cancels a resting order of `account`; returns the quantity removed. */
  cancel(account: AccountId, orderId: number): number {
    if (this.busy) this.reentrant("cancel");
    return this.cancelIn(this.ownedOrder(account, orderId, "cancel rejected"), orderId);
  }

  /**
   * Cancels `orderId` if it is one of `account`'s resting orders and returns the quantity removed;
   * -1, nothing done, when it is not (filled, cancelled, another account's, or not an order id).
   * One lookup, where `openOrders(account).includes(orderId)` and then `cancel` searched twice.
   */
  cancelIfResting(account: AccountId, orderId: number): number {
    this.checkAccount("account", account, "cancel rejected");
    const i = this.instrumentOf(account, orderId);
    if (i === -1 || this.books[i].orderOwner(orderId) !== account) return -1;
    if (this.busy) this.reentrant("cancel");
    return this.cancelIn(i, orderId);
  }

  private cancelIn(i: number, orderId: number): number {
    this.busy = true;
    try {
      const removed = this.books[i].cancel(orderId);
      if (this.anyDirty) this.emitBookUpdates();
      return removed;
    } finally {
      this.busy = false;
    }
  }

  /** Cancels every resting order of `account` (optionally only on one instrument); returns the quantity removed. */
  cancelAll(account: AccountId, instrument?: number): number {
    if (this.busy) this.reentrant("cancelAll");
    this.checkAccount("account", account, "cancel rejected");
    if (instrument !== undefined) this.checkInstrument("instrument", instrument, "cancel rejected");
    const list = this.orders[account];
    const n = list.length;
    if (n === 0) return 0;
    // Most accounts rest orders on one instrument: then every id is in its book, no lookup per id.
    const only = this.onlyRestingInstrument(account);
    if (only !== -1 && instrument !== undefined && instrument !== only) return 0;
    if (only !== -1) {
      // Every order in book `only`: the book removes them in one pass and the ledger is updated
      // once, to what the cancels' callbacks (onCancel) one by one leave (a market maker's
      // requote: a third of a study's CPU was its act). In line, not a method: a double returned
      // from a call that is not inlined is a heap number, an allocation per requote.
      const out = this.cancelled;
      this.busy = true;
      try {
        this.books[only].cancelResting(list, n, out);
        const k = account * this.nI + only;
        this.restBuyA[k] -= out[0];
        this.restSellA[k] -= out[1];
        this.ledgerVersion++;
        if (this.orderTag.size > 0 || this.roOrders.size > 0) {
          this.bulkOwner = account;
          for (let j = 0; j < n; j++) this.forgetOrder(account, list[j]);
          this.bulkOwner = -1;
        }
        // pop, not list.length = 0: that drops the array's storage, allocated again at the next quote
        while (list.length > 0) list.pop();
        this.touch(account, only);
        this.dirty[only] = 1;
        this.anyDirty = true;
        this.emitBookUpdates();
      } finally {
        this.busy = false;
      }
      return out[0] + out[1];
    }
    let removed = 0;
    this.busy = true;
    // Cancelled ids leave the account's list in one pass (order kept), not one search-and-shift
    // each: that was quadratic in the number of orders a market maker requotes. The ids kept are
    // written back in place as the loop goes (kept <= k); if a cancel throws, the rest is filtered.
    this.bulkOwner = account;
    let kept = 0;
    let k = 0;
    let done = false;
    try {
      try {
        for (; k < n; k++) {
          const id = list[k];
          let i = only;
          if (i === -1)
            i =
              instrument === undefined
                ? this.instrumentOf(account, id)
                : this.books[instrument].has(id)
                  ? instrument
                  : -1;
          if (i !== -1 && (instrument === undefined || i === instrument)) removed += this.books[i].cancel(id);
          else list[kept++] = id;
        }
        done = true;
      } finally {
        this.bulkOwner = -1;
        if (!done) kept = this.keepResting(account, list, kept, k);
        // pop, not list.length = kept: setting the length to 0 drops the array's storage, and a
        // market maker's next quotes allocated it again on every requote.
        while (list.length > kept) list.pop();
      }
      if (this.anyDirty) this.emitBookUpdates();
    } finally {
      this.busy = false;
    }
    return removed;
  }

  /**
   * Cold path of cancelAll after a cancel threw at list[from]: list[0..kept) are kept, the ids in
   * list[kept..from) were cancelled or copied below; list[from..) still resting move down after the
   * kept ones. Returns the new length.
   */
  private keepResting(a: number, list: number[], kept: number, from: number): number {
    for (let k = from; k < list.length; k++) if (this.instrumentOf(a, list[k]) !== -1) list[kept++] = list[k];
    return kept;
  }

  /**
   * The one instrument on which account `a` has resting orders, or -1 when it has them on several
   * (or none). Its active list holds every instrument where it rests an order.
   */
  private onlyRestingInstrument(a: number): number {
    const list = this.active[a];
    const base = a * this.nI;
    let only = -1;
    for (let j = 0; j < list.length; j++) {
      const k = base + list[j];
      if (this.restBuyA[k] > 0 || this.restSellA[k] > 0) {
        if (only !== -1) return -1;
        only = list[j];
      }
    }
    return only;
  }

  /**
   * Instrument of resting order `id` (any value accepted), or -1: the book that holds it. The books
   * of account `a`'s active instruments are asked first (an order of `a` rests in one of them).
   */
  private instrumentOf(a: number, id: number): number {
    if (typeof id !== "number" || !(id >= 1)) return -1;
    const list = this.active[a];
    for (let j = 0; j < list.length; j++) if (this.books[list[j]].has(id)) return list[j];
    const base = a * this.nI;
    for (let i = 0; i < this.nI; i++) if (this.activeFlag[base + i] === 0 && this.books[i].has(id)) return i;
    return -1;
  }

  /** Reduces a resting order to newQuantity (keeps time priority; 0 cancels); returns the quantity removed. */
  reduceOrder(account: AccountId, orderId: number, newQuantity: number): number {
    if (this.busy) this.reentrant("reduceOrder");
    const i = this.ownedOrder(account, orderId, "reduce rejected");
    const book = this.books[i];
    const cur = book.remaining(orderId);
    if (!Number.isSafeInteger(newQuantity) || newQuantity < 0 || newQuantity > cur) {
      throw new CascadeError(
        "INVALID_QUANTITY",
        "newQuantity",
        newQuantity,
        `an integer in [0, ${cur}] (the order's resting quantity; reduce cannot increase it)`,
        "reduce rejected",
      );
    }
    this.busy = true;
    try {
      const removed = book.reduce(orderId, newQuantity);
      if (this.anyDirty) this.emitBookUpdates();
      return removed;
    } finally {
      this.busy = false;
    }
  }

  /** Resting order ids of `account`, oldest first (live view: do not mutate). */
  openOrders(account: AccountId): readonly number[] {
    this.checkAccount("account", account, "lookup rejected");
    return this.orders[account];
  }

  /** Instrument of a resting order (-1 if it is not resting). Extra read-only helper. */
  orderInstrument(orderId: number): number {
    if (typeof orderId !== "number" || !(orderId >= 1)) return -1;
    for (let i = 0; i < this.nI; i++) if (this.books[i].has(orderId)) return i;
    return -1;
  }

  /** The largest order quantity of `instrument`: its notional at maxPrice stays exact (within 2^53). */
  maxOrderLots(instrument: number): number {
    this.checkInstrument("instrument", instrument, "lookup rejected");
    return this.maxQty[instrument];
  }

  /**
   * Lots a reduce-only order of `side` could trade now for `account`: its long (for a sell) or short
   * (for a buy) position not held by its own open auctions (while they hold some, less what its
   * resting plain orders on that side may trade); 0 if none.
   */
  reducibleQuantity(account: AccountId, instrument: number, side: Side): number {
    this.checkAccount("account", account, "lookup rejected");
    this.checkInstrument("instrument", instrument, "lookup rejected");
    if (side !== BUY && side !== SELL) this.rejectSide(side, "lookup rejected");
    return Math.max(0, this.reducible(account, instrument, side));
  }

  /**
   * Whether a limit order of `quantity` lots at `price` passes submit's pre-trade initial-margin
   * check now (exempt accounts always do; a frozen account, in liquidation, never; nor a quantity beyond what the account's open auctions leave it, see submit). The quantities that pass are 1 .. some largest one, so
   * up to maxOrderLots this answers "quantity <= maxOrderQuantity" with one evaluation, no search.
   */
  marginAllows(account: AccountId, instrument: number, side: Side, quantity: number, price: number): boolean {
    const ctx = "marginAllows rejected";
    this.checkAccount("account", account, ctx);
    this.checkInstrument("instrument", instrument, ctx);
    if (side !== BUY && side !== SELL) this.rejectSide(side, ctx);
    if (!Number.isSafeInteger(quantity) || quantity < 1) {
      throw new CascadeError("INVALID_QUANTITY", "quantity", quantity, "an integer number of lots >= 1", ctx);
    }
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0)
      throw new CascadeError("INVALID_PRICE", "price", price, "a finite price in ticks > 0", ctx);
    if (this.frozenA[account] === 1) return false;
    const k = account * this.nI + instrument;
    if (this.auctionHeld(k, side) > 0) {
      if (quantity > this.auctionRoom(account, instrument, side)) return false;
    }
    if (this.exempt[account] === 1) return true;
    if (!this.fits(account, instrument, side, quantity, price, false)) return false;
    const p = this.passed;
    p[0] = account;
    p[1] = instrument;
    p[2] = side;
    p[3] = quantity;
    p[4] = price;
    p[5] = this.ledgerVersion;
    return true;
  }

  /**
   * Largest quantity that passes the initial-margin check now for a limit order at `price`
   * (pass the mark for a market order); 0 if none, and 0 for a frozen account (in liquidation).
   * While the account's open auctions hold lots on the side `side` trades, at most what `submit`
   * lets it trade beside them (see AUCTIONED_LOTS there).
   * Exempt accounts get the largest quantity the ledger accepts. Reduce-only orders need no check.
   */
  maxOrderQuantity(account: AccountId, instrument: number, side: Side, price: number): number {
    this.checkAccount("account", account, "maxOrderQuantity rejected");
    this.checkInstrument("instrument", instrument, "maxOrderQuantity rejected");
    if (side !== BUY && side !== SELL) this.rejectSide(side, "maxOrderQuantity rejected");
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
      throw new CascadeError(
        "INVALID_PRICE",
        "price",
        price,
        "a finite price in ticks > 0",
        "maxOrderQuantity rejected",
      );
    }
    if (this.frozenA[account] === 1) return 0;
    const max = this.maxQuantity(account, instrument, side, price, false);
    const k = account * this.nI + instrument;
    if (this.auctionHeld(k, side) === 0) return max;
    const room = this.auctionRoom(account, instrument, side);
    return room < max ? room : max;
  }

  // =============================================================================================
  // Margin (floats, O(instruments held))
  // =============================================================================================

  /** |q| * mark * cv */
  notional(account: AccountId, instrument: number): number {
    return (
      Math.abs(this.posA[this.cell(account, instrument)]) * this.marks[instrument] * this.cvs[instrument]
    );
  }

  /** cash + sum q * mark * cv */
  equity(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    return this.equityOf(account);
  }

  /** sum of maintenanceMargin(|q| * mark * cv) = |q| * mark * cv * mmr - amount (its tier's) */
  maintenanceRequirement(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    return this.requirement(account, true);
  }

  /** sum of initialMargin(|q| * mark * cv) (positions only; the pre-trade check also counts resting orders). */
  initialRequirement(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    return this.requirement(account, false);
  }

  /** equity / maintenance (Infinity when no positions). */
  marginRatio(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    if (this.nonZero[account] === 0) return Number.POSITIVE_INFINITY;
    return this.equityOf(account) / this.requirement(account, true);
  }

  /** equity - initial requirement */
  freeMargin(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    return this.equityOf(account) - this.requirement(account, false);
  }

  /**
   * Lending view: (sum_long (n - mm) + max(cash, 0)) / (max(-cash, 0) + sum_short (n + mm)), n = |q| m cv
   * and mm = maintenanceMargin(n) = n * mmr - amount.
   * < 1 exactly when equity < maintenance (float rounding at the boundary is resolved in favour of
   * the equity/maintenance comparison); Infinity when nothing is owed.
   */
  healthFactor(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    this.measureHealthFactor(account);
    return this.lastHealthFactor;
  }

  /**
   * healthFactor(account) < x: the liquidation engine's health-factor trigger, asked of every account
   * it checks. A boolean, where a double returned from healthFactor's call is a heap allocation.
   */
  healthFactorBelow(account: AccountId, x: number): boolean {
    this.checkAccount("account", account, "lookup rejected");
    if (typeof x !== "number" || Number.isNaN(x))
      throw new CascadeError(
        "INVALID_ARGUMENT",
        "x",
        x,
        "a number (the health factor threshold)",
        "lookup rejected",
      );
    this.measureHealthFactor(account);
    return this.lastHealthFactor < x;
  }

  /** healthFactor's work, into lastHealthFactor. */
  private measureHealthFactor(account: AccountId): void {
    const n = this.nI;
    const base = account * n;
    const c = this.cashA[account];
    let num = c > 0 ? c : 0;
    let den = c < 0 ? -c : 0;
    const list = this.active[account];
    for (let j = 0; j < list.length; j++) {
      const i = list[j];
      const q = this.posA[base + i];
      if (q === 0) continue;
      const v = Math.abs(q) * this.marks[i] * this.cvs[i];
      const m = this.margins[i];
      const r = maintenanceRate(m, v);
      // n - mm = v * (1 - r) + amount (n + mm likewise): without tiers, + 0 keeps v * (1 - r) exact
      if (q > 0) num += v * (1 - r) + maintenanceAmount(m, v);
      else den += v * (1 + r) - maintenanceAmount(m, v);
    }
    // nothing owed: Infinity, without the equity and maintenance reads
    const under = den !== 0 && this.equityOf(account) < this.requirement(account, true);
    this.lastHealthFactor = healthFactorFrom(num, den, under);
  }

  /** Has a position and equity < maintenance. */
  isLiquidatable(account: AccountId): boolean {
    this.checkAccount("account", account, "lookup rejected");
    return this.nonZero[account] > 0 && this.equityOf(account) < this.requirement(account, true);
  }

  /** Gross notional / equity (Infinity when equity <= 0 with positions; 0 when flat). */
  leverage(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    const g = this.gross(account);
    if (g === 0) return 0;
    const e = this.equityOf(account);
    return e > 0 ? g / e : Number.POSITIVE_INFINITY;
  }

  /** Gross notional sum |q| * mark * cv. Extra read-only helper. */
  grossNotional(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    return this.gross(account);
  }

  /**
   * Sum over every instrument i, in id order, of (|position| + extraLots[i]) * mark * cv, skipping
   * terms whose lots are not > 0 (extraLots: one entry per instrument). One call instead of a
   * position() and a mark() per instrument: agents bound their margin with it before every order.
   */
  grossNotionalWith(account: AccountId, extraLots: Float64Array): number {
    this.checkAccount("account", account, "lookup rejected");
    const n = this.nI;
    if (!(extraLots instanceof Float64Array) || extraLots.length !== n) {
      throw new CascadeError(
        "INVALID_ARGUMENT",
        "extraLots",
        extraLots,
        `a Float64Array of ${n} lots (one per instrument)`,
        "lookup rejected",
      );
    }
    const base = account * n;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const lots = Math.abs(this.posA[base + i]) + extraLots[i];
      if (lots > 0) sum += lots * this.marks[i] * this.cvs[i];
    }
    return sum;
  }

  /**
   * Fraction by which all marks of the held positions would need to move against the account
   * (longs x (1 - f), shorts x (1 + f)) before equity < maintenance; with size tiers a lower bound.
   * 0 if already liquidatable; Infinity when flat or when no such move exists. See uniformDistance.
   */
  distanceToLiquidation(account: AccountId): number {
    this.checkAccount("account", account, "lookup rejected");
    const n = this.nI;
    const base = account * n;
    const list = this.active[account];
    // Maintenance is convex in notional and 0 at 0, so its average rate mm(x) / x never falls as x
    // grows. Longs use their current average rate (the chord to 0 lies above mm as they shrink);
    // shorts the average rate at their moved notional, iterated until the distance stops shrinking
    // (each accepted distance is at most the f its rates were taken at: conservative).
    let f = 0;
    let result = Number.POSITIVE_INFINITY;
    for (let iter = 0; iter < 8; iter++) {
      let e = this.cashA[account];
      let g = 0;
      let ml = 0;
      let ms = 0;
      let hasShort = false;
      for (let j = 0; j < list.length; j++) {
        const i = list[j];
        const q = this.posA[base + i];
        if (q === 0) continue;
        const m = this.marks[i] * this.cvs[i];
        const v = Math.abs(q) * m;
        e += q * m;
        g += v;
        const margin = this.margins[i];
        if (q > 0) ml += maintenanceMargin(margin, v);
        else {
          ms += v * averageMaintenanceRate(margin, f === Number.POSITIVE_INFINITY ? v : v * (1 + f));
          hasShort = true;
        }
      }
      const d = uniformDistance(e, g, ml, ms, hasShort);
      if (!(d < result)) break;
      result = d;
      if (!hasShort || d === 0) break;
      f = d;
    }
    return result;
  }

  // =============================================================================================
  // Transfers (liquidation mechanisms); exact, no fees, no margin check
  // =============================================================================================

  transferCash(from: AccountId, to: AccountId, amount: number, reason: string): void {
    if (this.busy) this.reentrant("transferCash");
    const ctx = "cash transfer rejected";
    this.checkAccount("from", from, ctx);
    this.checkAccount("to", to, ctx);
    // as transferPosition: a transfer to itself moves nothing and would only log a transfer event
    if (from === to)
      throw new CascadeError("SELF_TRADE", "to", to, `an account other than from (${from})`, ctx);
    if (typeof reason !== "string")
      throw new CascadeError("INVALID_AMOUNT", "reason", reason, "a string", ctx);
    const hi = MAX_SAFE - Math.max(0, this.cashA[to]);
    const lo = -MAX_SAFE - Math.min(0, this.cashA[from]);
    const allowedHi = Math.min(hi, -lo);
    if (!Number.isSafeInteger(amount) || amount < 0 || amount > allowedHi) {
      throw new CascadeError(
        "INVALID_AMOUNT",
        "amount",
        amount,
        `an integer number of cash units in [0, ${allowedHi}]`,
        ctx,
      );
    }
    this.cashA[from] -= amount;
    this.cashA[to] += amount;
    this.ledgerVersion++;
    if (this.transfersS.observed) {
      this.busy = true;
      try {
        this.transfersS.next({
          tick: this.now,
          kind: "cash",
          from,
          to,
          instrument: -1,
          quantity: 0,
          price: 0,
          amount,
          reason,
        });
      } finally {
        this.busy = false;
      }
    }
  }

  /**
   * Moves `quantity` lots (signed like the part of `from`'s position moved; at most its unreserved
   * size) from `from` to `to`; `to` pays quantity * price * cv cash to `from`. When the transfer
   * shrinks `to`'s position below the lots its open auctions hold on that side (e.g. ADL moves a
   * short into a long under a sell auction), those auctions give up the difference, newest first
   * (`reduced` events after the transfer's, each with `closed` "cancelled" if nothing is left).
   * Either account's resting plain orders are then cut back to what its open auctions leave it (see openAuction).
   */
  transferPosition(
    from: AccountId,
    to: AccountId,
    instrument: number,
    quantity: number,
    price: number,
    reason: string,
  ): void {
    if (this.busy) this.reentrant("transferPosition");
    const ctx = "position transfer rejected";
    this.checkAccount("from", from, ctx);
    this.checkAccount("to", to, ctx);
    this.checkInstrument("instrument", instrument, ctx);
    if (from === to)
      throw new CascadeError("SELF_TRADE", "to", to, `an account other than from (${from})`, ctx);
    if (typeof reason !== "string")
      throw new CascadeError("INVALID_AMOUNT", "reason", reason, "a string", ctx);
    const k = from * this.nI + instrument;
    const q = this.posA[k];
    const avail = q > 0 ? q - this.resLongA[k] : q < 0 ? q + this.resShortA[k] : 0;
    if (
      !Number.isSafeInteger(quantity) ||
      quantity === 0 ||
      (quantity > 0 ? quantity > avail : quantity < avail)
    ) {
      const range =
        avail > 0 ? `[1, ${avail}]` : avail < 0 ? `[${avail}, -1]` : "none (no unreserved position)";
      throw new CascadeError(
        "INVALID_QUANTITY",
        "quantity",
        quantity,
        `a non-zero integer with the sign of from's position (${q}, reserved ${q > 0 ? this.resLongA[k] : this.resShortA[k]}): ${range}`,
        ctx,
      );
    }
    const cv = this.cvs[instrument];
    const absQ = Math.abs(quantity);
    if (!Number.isSafeInteger(price) || price < 0 || price * absQ * cv > MAX_SAFE) {
      throw new CascadeError(
        "INVALID_PRICE",
        "price",
        price,
        `an integer number of ticks in [0, ${Math.floor(MAX_SAFE / (absQ * cv))}]`,
        ctx,
      );
    }
    const notional = price * absQ * cv;
    if (quantity > 0) this.trade(to, from, instrument, absQ, price, notional);
    else this.trade(from, to, instrument, absQ, price, notional);
    this.shrinkAuctionsToPosition(to, instrument);
    this.busy = true;
    try {
      this.trimToAuctionRoom(from, instrument);
      this.trimToAuctionRoom(to, instrument);
      if (this.roPending.length > 0) this.flushReduceOnly();
      if (this.anyDirty) this.emitBookUpdates();
      if (this.transfersS.observed) {
        this.transfersS.next({
          tick: this.now,
          kind: "position",
          from,
          to,
          instrument,
          quantity,
          price,
          amount: quantity > 0 ? notional : -notional,
          reason,
        });
      }
      if (this.shrunk.length > 0) this.reportShrunkAuctions(reason);
    } finally {
      this.busy = false;
    }
    this.checkExactRange("position transfer");
  }

  // =============================================================================================
  // Auctions
  // =============================================================================================

  /**
   * Opens a Dutch auction of part of `seller`'s position; that part is reserved until the auction
   * closes, and the seller's resting plain orders on the auction's side are cut back (newest first)
   * to the rest of the position.
   */
  openAuction(spec: AuctionSpec): number {
    if (this.busy) this.reentrant("openAuction");
    const ctx = "auction rejected";
    if (spec === null || typeof spec !== "object")
      throw new CascadeError("INVALID_CONFIG", "spec", spec, "an AuctionSpec object", ctx);
    const { seller, instrument, side, quantity, startPrice, limitPrice, decayPerTick, durationTicks } = spec;
    this.checkAccount("seller", seller, ctx);
    this.checkInstrument("instrument", instrument, ctx);
    if (side !== BUY && side !== SELL) this.rejectSide(side, ctx);
    const ins = this.instruments[instrument];
    if (!Number.isSafeInteger(startPrice) || startPrice < ins.minPrice || startPrice > ins.maxPrice) {
      throw new CascadeError(
        "INVALID_PRICE",
        "startPrice",
        startPrice,
        `an integer number of ticks in [${ins.minPrice}, ${ins.maxPrice}]`,
        ctx,
      );
    }
    const lo = side === SELL ? ins.minPrice : startPrice;
    const hi = side === SELL ? startPrice : ins.maxPrice;
    if (!Number.isSafeInteger(limitPrice) || limitPrice < lo || limitPrice > hi) {
      throw new CascadeError(
        "INVALID_PRICE",
        "limitPrice",
        limitPrice,
        `an integer number of ticks in [${lo}, ${hi}] (${side === SELL ? "a floor <= startPrice" : "a cap >= startPrice"})`,
        ctx,
      );
    }
    if (typeof decayPerTick !== "number" || !(decayPerTick > 0 && decayPerTick < 1)) {
      throw new CascadeError("INVALID_CONFIG", "decayPerTick", decayPerTick, "a fraction in (0, 1)", ctx);
    }
    if (!Number.isSafeInteger(durationTicks) || durationTicks < 1) {
      throw new CascadeError("INVALID_CONFIG", "durationTicks", durationTicks, "an integer >= 1", ctx);
    }
    const tag = spec.tag === undefined ? -1 : spec.tag;
    if (!Number.isSafeInteger(tag))
      throw new CascadeError("INVALID_TAG", "tag", tag, "undefined or a safe integer", ctx);
    const startTick = spec.startTick === undefined ? this.now : spec.startTick;
    if (!Number.isSafeInteger(startTick) || startTick < this.now) {
      throw new CascadeError(
        "INVALID_CONFIG",
        "startTick",
        startTick,
        `undefined or an integer tick >= the current tick ${this.now}`,
        ctx,
      );
    }
    const k = seller * this.nI + instrument;
    const q = this.posA[k];
    const avail = side === SELL ? q - this.resLongA[k] : -q - this.resShortA[k];
    const maxQ = Math.min(avail, this.maxQty[instrument]);
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > maxQ) {
      throw new CascadeError(
        "INVALID_QUANTITY",
        "quantity",
        quantity,
        maxQ >= 1
          ? `an integer number of lots in [1, ${maxQ}] (the seller's unreserved ${side === SELL ? "long" : "short"})`
          : `none: the seller holds no unreserved ${side === SELL ? "long" : "short"} position (position ${q})`,
        ctx,
      );
    }
    const state: AuctionState = {
      seller,
      instrument,
      side,
      quantity,
      startPrice,
      limitPrice,
      decayPerTick,
      durationTicks,
      tag,
      startTick,
      id: this.auctionList.length + 1,
      openedAt: this.now,
      remaining: quantity,
      status: "open",
    };
    this.auctionList.push(state);
    this.openAuctionList.push(state);
    if (side === SELL) this.resLongA[k] += quantity;
    else this.resShortA[k] += quantity;
    this.busy = true;
    try {
      this.trimToAuctionRoom(seller, instrument);
      if (this.roCount[seller] > 0) {
        this.roPending.push(seller);
        this.flushReduceOnly();
      }
      if (this.anyDirty) this.emitBookUpdates();
      if (this.auctionsS.observed)
        this.auctionsS.next({ type: "opened", tick: this.now, auction: { ...state } });
    } finally {
      this.busy = false;
    }
    return state.id;
  }

  /** Current price in ticks at this.tick. */
  auctionPrice(auctionId: number): number {
    const a = this.getAuction(auctionId, "lookup rejected");
    return dutchPrice(a, this.now - a.startTick);
  }

  /**
   * `bidder` takes up to `quantity` at the current price if it is no worse than maxPrice (SELL:
   * price <= maxPrice; BUY: price >= maxPrice), limited by the auction's remaining quantity (never
   * more than the seller holds: its own orders cannot trade the auctioned lots, and a transfer that
   * shrinks the position shrinks its auctions). Position moves seller -> bidder, cash bidder -> seller. Returns the quantity taken.
   * A take that would sell (or buy back) lots the bidder's own open auctions hold is refused (AUCTIONED_LOTS).
   */
  takeAuction(auctionId: number, bidder: AccountId, quantity: number, maxPrice: number): number {
    if (this.busy) this.reentrant("takeAuction");
    const ctx = "auction take rejected";
    const a = this.getAuction(auctionId, ctx);
    if (a.status !== "open" || this.now >= a.startTick + a.durationTicks) {
      throw new CascadeError(
        "AUCTION_CLOSED",
        "auctionId",
        auctionId,
        `an open auction (this one is ${a.status === "open" ? "expired" : a.status})`,
        ctx,
      );
    }
    this.checkAccount("bidder", bidder, ctx);
    if (this.frozenA[bidder] === 1) this.rejectFrozen(bidder, ctx, "bidder");
    if (bidder === a.seller)
      throw new CascadeError(
        "SELF_TRADE",
        "bidder",
        bidder,
        `an account other than the seller (${a.seller})`,
        ctx,
      );
    if (!Number.isSafeInteger(quantity) || quantity < 1) {
      throw new CascadeError("INVALID_QUANTITY", "quantity", quantity, "an integer number of lots >= 1", ctx);
    }
    if (typeof maxPrice !== "number" || Number.isNaN(maxPrice)) {
      throw new CascadeError("INVALID_PRICE", "maxPrice", maxPrice, "a number of ticks (not NaN)", ctx);
    }
    const price = dutchPrice(a, this.now - a.startTick);
    if (a.side === SELL ? price > maxPrice : price < maxPrice) return 0;
    const i = a.instrument;
    const take = quantity < a.remaining ? quantity : a.remaining;
    const bidderSide: Side = a.side === SELL ? BUY : SELL;
    const kb = bidder * this.nI + i;
    if (this.auctionHeld(kb, bidderSide) > 0) {
      const room = this.auctionRoom(bidder, i, bidderSide);
      if (take > room) this.rejectAuctioned(bidder, i, bidderSide, take, room, "quantity", ctx);
    }
    if (this.exempt[bidder] === 0 && this.shortfall(bidder, i, bidderSide, take, price, true) > 0) {
      const max = this.maxQuantity(bidder, i, bidderSide, price, true);
      throw new CascadeError(
        "INSUFFICIENT_MARGIN",
        "quantity",
        take,
        `at most ${max} lots for bidder ${bidder} (${this.labels[bidder]}) at ${price}: worst-case initial requirement ${this.lastIM} would exceed equity ${this.lastEquity}`,
        ctx,
      );
    }
    const cv = this.cvs[i];
    const notional = price * take * cv;
    if (a.side === SELL) this.trade(bidder, a.seller, i, take, price, notional);
    else this.trade(a.seller, bidder, i, take, price, notional);
    const k = a.seller * this.nI + i;
    if (a.side === SELL) this.resLongA[k] -= take;
    else this.resShortA[k] -= take;
    a.remaining -= take;
    this.busy = true;
    try {
      if (this.roPending.length > 0) this.flushReduceOnly();
      if (this.anyDirty) this.emitBookUpdates();
      if (this.auctionsS.observed) {
        this.auctionsS.next({
          type: "taken",
          tick: this.now,
          auction: { ...a },
          bidder,
          quantity: take,
          price,
          notional,
        });
      }
    } finally {
      this.busy = false;
    }
    if (a.remaining === 0) {
      this.openAuctionList.splice(this.openAuctionList.indexOf(a), 1);
      this.closeAuction(a, "filled");
    }
    this.checkExactRange("auction take");
    return take;
  }

  /**
   * A transfer left `a`'s position in `i` below the lots its open auctions hold on a side: the
   * newest give up the difference first (the older auctions claimed their lots first, as resting
   * orders keep time priority when a transfer cuts them). One left with nothing is closed
   * ("cancelled") here; reportShrunkAuctions reports them once the transfer is reported.
   */
  private shrinkAuctionsToPosition(a: number, i: number): void {
    const k = a * this.nI + i;
    const q = this.posA[k];
    let excessLong = this.resLongA[k] - (q > 0 ? q : 0);
    let excessShort = this.resShortA[k] - (q < 0 ? -q : 0);
    if (excessLong <= 0 && excessShort <= 0) return;
    const list = this.openAuctionList;
    for (let j = list.length - 1; j >= 0; j--) {
      const au = list[j];
      if (au.seller !== a || au.instrument !== i) continue;
      const sell = au.side === SELL;
      const excess = sell ? excessLong : excessShort;
      if (excess <= 0) continue;
      const cut = au.remaining < excess ? au.remaining : excess;
      au.remaining -= cut;
      if (sell) {
        this.resLongA[k] -= cut;
        excessLong -= cut;
      } else {
        this.resShortA[k] -= cut;
        excessShort -= cut;
      }
      this.shrunk.push(au);
      this.shrunkLots.push(cut);
      if (au.remaining === 0) {
        au.status = "cancelled";
        list.splice(j, 1);
      }
    }
  }

  /** Emits a `reduced` event per auction shrinkAuctionsToPosition shrank, and `closed` after it for one it closed. */
  private reportShrunkAuctions(reason: string): void {
    const shrunk = this.shrunk;
    const lots = this.shrunkLots;
    try {
      for (let j = 0; j < shrunk.length && this.auctionsS.observed; j++) {
        const au = shrunk[j];
        this.auctionsS.next({
          type: "reduced",
          tick: this.now,
          auction: { ...au },
          quantity: lots[j],
          reason,
        });
        // nothing left to release (remaining 0): closeAuction only reports it
        if (au.remaining === 0) this.closeAuction(au, "cancelled");
      }
    } finally {
      shrunk.length = 0;
      lots.length = 0;
    }
  }

  cancelAuction(auctionId: number): void {
    if (this.busy) this.reentrant("cancelAuction");
    const a = this.getAuction(auctionId, "auction cancel rejected");
    if (a.status !== "open") {
      throw new CascadeError(
        "AUCTION_CLOSED",
        "auctionId",
        auctionId,
        `an open auction (this one is ${a.status})`,
        "auction cancel rejected",
      );
    }
    this.openAuctionList.splice(this.openAuctionList.indexOf(a), 1);
    this.closeAuction(a, "cancelled");
  }

  /** A snapshot of the auction's state. */
  auction(auctionId: number): AuctionState {
    return { ...this.getAuction(auctionId, "lookup rejected") };
  }

  /** Number of auctions ever opened (ids are 1..auctionCount()). Extra read-only helper. */
  auctionCount(): number {
    return this.auctionList.length;
  }

  /** Snapshots of the open auctions, oldest first. */
  openAuctions(): readonly AuctionState[] {
    return this.openAuctionList.map((a) => ({ ...a }));
  }

  /**
   * The same snapshot as openAuctions(), copied into `out` (its objects reused, new ones appended
   * when it is too short; entries past the count are stale); returns how many auctions are open.
   * Allocates nothing once `out` is long enough: for a keeper that looks at every wake.
   */
  openAuctionsInto(out: AuctionState[]): number {
    if (!Array.isArray(out)) {
      throw new CascadeError(
        "INVALID_ARGUMENT",
        "out",
        out,
        "an array of AuctionState objects to reuse (may be empty)",
        "lookup rejected",
      );
    }
    const list = this.openAuctionList;
    for (let k = 0; k < list.length; k++) {
      if (k < out.length) Object.assign(out[k], list[k]);
      else out.push({ ...list[k] });
    }
    return list.length;
  }

  // =============================================================================================
  // Internals: book callbacks and settlement
  // =============================================================================================

  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: called by BookEvents
  private onFill(
    i: number,
    makerId: number,
    makerOwner: number,
    takerId: number,
    takerOwner: number,
    takerSide: Side,
    price: number,
    qty: number,
    makerRemaining: number,
  ): void {
    const notional = price * qty * this.cvs[i];
    const { makerBps, takerBps } = this.fees;
    const makerFee = makerBps === 0 ? 0 : fee(notional, this.makerRate);
    const takerFee = takerBps === 0 ? 0 : fee(notional, this.takerRate);
    const mk = makerOwner * this.nI + i;
    let buyer: number;
    let seller: number;
    if (takerSide === BUY) {
      buyer = takerOwner;
      seller = makerOwner;
      this.restSellA[mk] -= qty;
    } else {
      buyer = makerOwner;
      seller = takerOwner;
      this.restBuyA[mk] -= qty;
    }
    let makerTag = -1;
    if (this.orderTag.size > 0) {
      const t = this.orderTag.get(makerId);
      if (t !== undefined) makerTag = t;
    }
    if (makerRemaining === 0) this.forgetOrder(makerOwner, makerId);
    this.trade(buyer, seller, i, qty, price, notional);
    if (makerFee !== 0 || takerFee !== 0) {
      const cash = this.cashA;
      cash[makerOwner] -= makerFee;
      cash[takerOwner] -= takerFee;
      cash[this.feeAccount] += makerFee + takerFee;
      // Both bounds: a maker rebate (negative bps) moves cash the other way.
      this.guardExact(makerOwner, cash[makerOwner]);
      this.guardExact(takerOwner, cash[takerOwner]);
      this.guardExact(this.feeAccount, cash[this.feeAccount]);
    }
    this.lastTrade[i] = price;
    this.curFilled += qty;
    this.curNotional += notional;
    this.dirty[i] = 1;
    this.anyDirty = true;
    if (this.fillsS.observed) {
      this.fillsS.next({
        tick: this.now,
        instrument: i,
        price,
        quantity: qty,
        notional,
        buyer,
        seller,
        takerSide,
        makerOrderId: makerId,
        takerOrderId: takerId,
        makerTag,
        takerTag: this.curTag,
        makerFee,
        takerFee,
      });
    }
  }

  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: called by BookEvents
  private onRest(i: number, id: number, owner: number, side: Side, qty: number): void {
    const k = owner * this.nI + i;
    if (side === BUY) this.restBuyA[k] += qty;
    else this.restSellA[k] += qty;
    this.ledgerVersion++;
    this.orders[owner].push(id);
    this.curRested = qty;
    if (this.curTag !== -1) this.orderTag.set(id, this.curTag);
    if (this.curReduceOnly) {
      this.roOrders.add(id);
      this.roCount[owner]++;
    }
    // touch(owner, i) with the order resting: the account is active in i.
    if (this.activeFlag[k] === 0) {
      this.activeFlag[k] = 1;
      this.active[owner].push(i);
    }
    this.dirty[i] = 1;
    this.anyDirty = true;
  }

  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: called by BookEvents
  private onCancel(
    i: number,
    id: number,
    owner: number,
    side: Side,
    qty: number,
    reason: CancelReason,
  ): void {
    if (reason === CANCEL_UNFILLED || reason === CANCEL_POST_ONLY) return; // never rested
    const k = owner * this.nI + i;
    const resting = side === BUY ? this.restBuyA : this.restSellA;
    resting[k] -= qty;
    this.ledgerVersion++;
    // Inside cancelAll each callback is a whole order leaving the book: no lookup needed.
    if (owner === this.bulkOwner || !this.books[i].has(id)) this.forgetOrder(owner, id);
    // While the account rests more on this side it stays active in i: touch would change nothing.
    if (resting[k] === 0) this.touch(owner, i);
    this.dirty[i] = 1;
    this.anyDirty = true;
  }

  private forgetOrder(owner: number, id: number): void {
    if (owner !== this.bulkOwner) {
      const list = this.orders[owner];
      const at = list.indexOf(id);
      if (at >= 0) removeAt(list, at);
    }
    if (this.orderTag.size > 0) this.orderTag.delete(id);
    if (this.roOrders.size > 0 && this.roOrders.delete(id)) this.roCount[owner]--;
  }

  /** Settles `qty` lots at `price` from seller to buyer (cash notional the other way); cost basis by average cost. */
  private trade(
    buyer: number,
    seller: number,
    i: number,
    qty: number,
    price: number,
    notional: number,
  ): void {
    this.move(buyer, i, qty, price);
    this.move(seller, i, -qty, price);
    this.ledgerVersion++;
    const cash = this.cashA;
    cash[buyer] -= notional;
    cash[seller] += notional;
    this.guardExact(buyer, cash[buyer]);
    this.guardExact(seller, cash[seller]);
  }

  /** Notes the first balance of this operation that left +-(2^53 - 1) (see overflowAccount). */
  private guardExact(account: number, value: number): void {
    if ((value > MAX_SAFE || value < -MAX_SAFE) && this.overflowAccount < 0) {
      this.overflowAccount = account;
      this.overflowValue = value;
    }
  }

  /** Throws LEDGER_OVERFLOW if the operation that just completed took a balance out of the exact range. */
  private checkExactRange(operation: string): void {
    if (this.overflowAccount < 0) return;
    const a = this.overflowAccount;
    const value = this.overflowValue;
    this.overflowAccount = -1;
    throw new CascadeError(
      "LEDGER_OVERFLOW",
      `account ${a} (${this.labels[a]}) balance`,
      value,
      `cash, cost basis and realized PnL within +-${MAX_SAFE} (2^53 - 1) cash units, where integer money is exact: lower the capital, contract values or leverage`,
      `${operation}: the ledger left the exact integer range`,
    );
  }

  private move(a: number, i: number, d: number, price: number): void {
    const k = a * this.nI + i;
    const q = this.posA[k];
    const unit = price * this.cvs[i];
    const nq = q + d;
    if (q === 0 || q > 0 === d > 0) {
      this.costA[k] += d * unit;
    } else {
      const c = this.costA[k];
      const aq = q < 0 ? -q : q;
      const ad = d < 0 ? -d : d;
      const closing = ad < aq ? ad : aq;
      const removed = closing === aq ? c : Math.round((c * closing) / aq);
      // closing a long sells `closing` lots (proceeds - cost); closing a short buys them back
      this.realA[k] += (d > 0 ? -unit : unit) * closing - removed;
      this.costA[k] = ad > aq ? (d > 0 ? 1 : -1) * unit * (ad - aq) : c - removed;
      this.guardExact(a, this.realA[k]);
    }
    this.guardExact(a, this.costA[k]);
    this.posA[k] = nq;
    if (q === 0) {
      if (this.nonZero[a]++ === 0) this.withPositions.add(a);
      this.touch(a, i);
    } else if (nq === 0) {
      this.costA[k] = 0;
      if (--this.nonZero[a] === 0) this.withPositions.delete(a);
      this.touch(a, i);
    }
    if (this.roCount[a] > 0) this.roPending.push(a);
  }

  /** Keeps the account's active-instrument list in sync (position or resting orders). */
  private touch(a: number, i: number): void {
    const k = a * this.nI + i;
    const on = this.posA[k] !== 0 || this.restBuyA[k] > 0 || this.restSellA[k] > 0 ? 1 : 0;
    if (on === this.activeFlag[k]) return;
    this.activeFlag[k] = on;
    const list = this.active[a];
    if (on === 1) list.push(i);
    else removeAt(list, list.indexOf(i));
  }

  /**
   * What a reduce-only order of `side` can still trade for account `a` in instrument `i`: its long
   * (for a sell) or short (for a buy) position not reserved by its own open auctions, less (while
   * they reserve some) what its resting plain orders on that side may sell of it.
   */
  private reducible(a: number, i: number, side: Side): number {
    const k = a * this.nI + i;
    const held = this.auctionHeld(k, side);
    const free = (side === SELL ? this.posA[k] : -this.posA[k]) - held;
    return held > 0 ? free - this.plainResting(a, i, side) : free;
  }

  /** Lots of cell k's position its open auctions hold on `side`: sell auctions a long, buy auctions a short. */
  private auctionHeld(k: number, side: Side): number {
    return side === SELL ? this.resLongA[k] : this.resShortA[k];
  }

  /**
   * Lots `a`'s new plain orders on `side` may still trade in `i` while its open auctions hold lots
   * there (sell auctions a long for SELL, buy auctions a short for BUY): the position on that side
   * less those lots and less what its resting plain orders on `side` may already trade; at least 0.
   * Reduce-only orders are capped by `reducible`, which leaves room for the plain ones.
   */
  private auctionRoom(a: number, i: number, side: Side): number {
    const k = a * this.nI + i;
    const held = this.auctionHeld(k, side);
    const room = (side === SELL ? this.posA[k] : -this.posA[k]) - held - this.plainResting(a, i, side);
    return room > 0 ? room : 0;
  }

  /** Resting quantity of `a`'s plain (not reduce-only) orders on `side` of book `i`. Walks its orders: for the rare account with auctioned lots. */
  private plainResting(a: number, i: number, side: Side): number {
    const list = this.orders[a];
    const book = this.books[i];
    let s = 0;
    for (let j = 0; j < list.length; j++) {
      const id = list[j];
      if (!this.roOrders.has(id) && book.has(id) && book.orderSide(id) === side) s += book.remaining(id);
    }
    return s;
  }

  /**
   * Cuts `a`'s resting plain orders in `i`, newest first, to what its open auctions leave it to
   * trade (see auctionRoom), after an auction reserved lots or a transfer shrank the position:
   * filled, they would sell (or buy back) the auction's lots. Reported as cancels (CANCEL_USER).
   */
  private trimToAuctionRoom(a: number, i: number): void {
    const k = a * this.nI + i;
    for (const side of SIDES) {
      const held = this.auctionHeld(k, side);
      if (held === 0) continue;
      const free = (side === SELL ? this.posA[k] : -this.posA[k]) - held;
      let excess = this.plainResting(a, i, side) - (free > 0 ? free : 0);
      const list = this.orders[a];
      const book = this.books[i];
      // a cut to 0 removes the order from the list: walking it backwards keeps the indices valid
      for (let j = list.length - 1; j >= 0 && excess > 0; j--) {
        const id = list[j];
        if (this.roOrders.has(id) || !book.has(id) || book.orderSide(id) !== side) continue;
        const rem = book.remaining(id);
        const cut = rem < excess ? rem : excess;
        book.reduce(id, rem - cut);
        excess -= cut;
      }
    }
  }

  /** Trims resting reduce-only orders of accounts whose position changed so they never exceed (or flip) it. */
  private flushReduceOnly(): void {
    const pending = this.roPending;
    while (pending.length > 0) {
      const a = pending.pop() as number;
      if (this.roCount[a] === 0) continue;
      const ids = this.roScratch;
      ids.length = 0;
      for (const id of this.orders[a]) if (this.roOrders.has(id)) ids.push(id);
      const used = this.roUsed;
      used.fill(0);
      for (const id of ids) {
        const i = this.instrumentOf(a, id);
        const book = this.books[i];
        const side = book.orderSide(id);
        const rem = book.remaining(id);
        let allowed = this.reducible(a, i, side) - used[2 * i + (side === BUY ? 1 : 0)];
        if (allowed < 0) allowed = 0;
        if (rem > allowed) {
          book.reduce(id, allowed);
          used[2 * i + (side === BUY ? 1 : 0)] += allowed;
        } else used[2 * i + (side === BUY ? 1 : 0)] += rem;
      }
    }
  }

  /**
   * Visits every instrument's flag. With the studies' 1-3 instruments a list of the dirty ones (set
   * in onFill / onRest / onCancel, sorted here to keep the ascending order) cost 144 instructions
   * more per quote of the venue bench (cachegrind), and a bitmask walked by its set bits 56 more:
   * neither kept. Reading bookS.observers.length instead of the observed getter: 15 fewer of an
   * AgentView quote's 2,634 instructions (0.6%, callgrind; a change meant to be neutral moved 8): not kept.
   */
  private emitBookUpdates(): void {
    const observed = this.bookS.observed;
    for (let i = 0; i < this.nI; i++) {
      if (this.dirty[i] === 0) continue;
      this.dirty[i] = 0;
      if (observed) {
        const b = this.books[i];
        this.bookS.next({ tick: this.now, instrument: i, bestBid: b.bestBid(), bestAsk: b.bestAsk() });
      }
    }
    this.anyDirty = false;
  }

  private closeAuction(a: AuctionState, reason: "filled" | "expired" | "cancelled"): void {
    a.status = reason;
    const k = a.seller * this.nI + a.instrument;
    if (a.side === SELL) this.resLongA[k] -= a.remaining;
    else this.resShortA[k] -= a.remaining;
    if (this.auctionsS.observed) {
      const was = this.busy;
      this.busy = true;
      try {
        this.auctionsS.next({ type: "closed", tick: this.now, auction: { ...a }, reason });
      } finally {
        this.busy = was;
      }
    }
  }

  // =============================================================================================
  // Internals: margin
  // =============================================================================================

  private equityOf(a: number): number {
    const base = a * this.nI;
    const list = this.active[a];
    let e = this.cashA[a];
    for (let j = 0; j < list.length; j++) {
      const i = list[j];
      const q = this.posA[base + i];
      if (q !== 0) e += q * this.marks[i] * this.cvs[i];
    }
    return e;
  }

  private gross(a: number): number {
    const base = a * this.nI;
    const list = this.active[a];
    let g = 0;
    for (let j = 0; j < list.length; j++) {
      const i = list[j];
      const q = this.posA[base + i];
      if (q !== 0) g += Math.abs(q) * this.marks[i] * this.cvs[i];
    }
    return g;
  }

  private requirement(a: number, maintenance: boolean): number {
    const base = a * this.nI;
    const list = this.active[a];
    let r = 0;
    for (let j = 0; j < list.length; j++) {
      const i = list[j];
      const q = this.posA[base + i];
      if (q === 0) continue;
      const v = Math.abs(q) * this.marks[i] * this.cvs[i];
      const m = this.margins[i];
      r += maintenance ? maintenanceMargin(m, v) : initialMargin(m, v);
    }
    return r;
  }

  /**
   * Worst-case initial requirement minus equity after a hypothetical order (immediate = false: a
   * new order of `qty` on `side` at reference `price`, counted as resting; adverse price distance and
   * fees reduce equity) or an immediate trade at exactly `price` (immediate = true: auction take).
   * Returns -Infinity when the order only reduces the position in instrument `ins` (with all the
   * account's resting orders on that side filled, the position moves toward zero without crossing it).
   */
  private shortfall(
    a: number,
    ins: number,
    side: Side,
    qty: number,
    price: number,
    immediate: boolean,
  ): number {
    if (this.onlyReduces(a, ins, side, qty, price, immediate)) return Number.NEGATIVE_INFINITY;
    return this.lastIM - this.lastEquity;
  }

  /**
   * Whether marginAllows passed exactly this order and nothing the check reads changed since. Only
   * the margin evaluation is skipped for it: also skipping submit's account, instrument, side and
   * quantity checks, which marginAllows made too, saved 26 instructions of a 2,634-instruction
   * AgentView quote (1%, callgrind); the rest of submit's checks (order shape, type, tif, price grid
   * and band, tag, reduceOnly, freeze) marginAllows never makes. Not kept.
   */
  private justPassed(a: number, ins: number, side: Side, qty: number, price: number): boolean {
    const p = this.passed;
    return (
      p[5] === this.ledgerVersion &&
      p[0] === a &&
      p[1] === ins &&
      p[2] === side &&
      p[3] === qty &&
      p[4] === price
    );
  }

  /**
   * shortfall's work: true when the order only reduces the position, else false with the
   * requirement and equity in lastIM and lastEquity. submit calls this, not shortfall: a double
   * returned from a call that is not inlined is boxed, a heap allocation per order.
   * It runs once per quote (marginAllows; submit skips the order just passed, see justPassed), not
   * per fill, and reads the account's active instruments, not its orders. An order that only
   * reduces (37% of the venue bench's quotes, 8% of the default study's) is decided from its own
   * instrument, before the sum; an account active in that instrument alone is summed from the same
   * reads: 288 -> 222 instructions an evaluation (callgrind of the optimized code, one instrument).
   * Arrays read into locals and a per-instrument flat initial rate instead of inst[i].margin saved
   * 4 instructions an evaluation: not kept.
   */
  private onlyReduces(
    a: number,
    ins: number,
    side: Side,
    qty: number,
    price: number,
    immediate: boolean,
  ): boolean {
    const base = a * this.nI;
    // An order that only reduces is known from its own instrument: no sum over the others.
    const k0 = base + ins;
    const q0 = this.posA[k0];
    const rb0 = this.restBuyA[k0];
    const rs0 = this.restSellA[k0];
    if (
      immediate
        ? side === BUY
          ? q0 < 0 && q0 + qty <= 0
          : q0 > 0 && q0 - qty >= 0
        : side === BUY
          ? q0 < 0 && q0 + rb0 + qty <= 0
          : q0 > 0 && q0 - rs0 - qty >= 0
    )
      return true;
    const mark = this.marks[ins];
    const cv = this.cvs[ins];
    const list = this.active[a];
    let e = this.cashA[a];
    let im = 0;
    if (list.length === 0 || (list.length === 1 && list[0] === ins)) {
      // Active in the order's instrument alone (98% of the default study's quotes): the loop below
      // with its one term, the same operations in the same order, from the reads above.
      const m = mark * cv;
      e += q0 * m;
      let up = q0 + rb0;
      let dn = q0 - rs0;
      if (immediate) {
        up += side * qty;
        dn += side * qty;
      } else if (side === BUY) up += qty;
      else dn -= qty;
      const w = Math.max(Math.abs(up), Math.abs(dn)) * m;
      if (w > 0) im += initialMargin(this.margins[ins], w);
    } else {
      let seen = false;
      for (let j = 0; j <= list.length; j++) {
        let i: number;
        if (j < list.length) i = list[j];
        else if (seen) break;
        else i = ins;
        const k = base + i;
        const q = this.posA[k];
        const m = this.marks[i] * this.cvs[i];
        e += q * m;
        let up = q + this.restBuyA[k];
        let dn = q - this.restSellA[k];
        if (i === ins) {
          seen = true;
          if (immediate) {
            up += side * qty;
            dn += side * qty;
          } else if (side === BUY) up += qty;
          else dn -= qty;
        }
        const w = Math.max(Math.abs(up), Math.abs(dn)) * m;
        if (w > 0) im += initialMargin(this.margins[i], w);
      }
    }
    const adverse = side * (price - mark) * qty * cv;
    if (immediate) e -= adverse;
    else {
      if (adverse > 0) e -= adverse;
      e -= (price * qty * cv * this.worstFeeBps) / 10_000;
    }
    this.lastIM = im;
    this.lastEquity = e;
    return false;
  }

  private maxQuantity(a: number, i: number, side: Side, price: number, immediate: boolean): number {
    const cap = this.maxQty[i];
    if (this.exempt[a] === 1) return cap;
    if (!this.fits(a, i, side, 1, price, immediate)) return 0;
    let lo = 1;
    let hi = 2;
    while (hi <= cap && this.fits(a, i, side, hi, price, immediate)) {
      lo = hi;
      hi *= 2;
    }
    if (hi > cap) {
      if (this.fits(a, i, side, cap, price, immediate)) return cap;
      hi = cap;
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.fits(a, i, side, mid, price, immediate)) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The margin test of submit, marginAllows and maxQuantity's search: shortfall(...) <= 0, the order
   * only reduces or leaves the worst-case initial requirement within equity. A boolean and a method:
   * a returned double would be boxed per order, and a closure per search was an allocation.
   */
  private fits(a: number, i: number, side: Side, qty: number, price: number, immediate: boolean): boolean {
    return this.onlyReduces(a, i, side, qty, price, immediate) || this.lastIM - this.lastEquity <= 0;
  }

  // =============================================================================================
  // Internals: validation (cold paths)
  // =============================================================================================

  private rejectMargin(a: number, i: number, side: Side, qty: number, price: number): never {
    this.shortfall(a, i, side, qty, price, false);
    const im = this.lastIM;
    const e = this.lastEquity;
    const max = this.maxQuantity(a, i, side, price, false);
    throw new CascadeError(
      "INSUFFICIENT_MARGIN",
      "quantity",
      qty,
      `at most ${max} lots for account ${a} (${this.labels[a]}) to ${side === BUY ? "buy" : "sell"} ${this.instruments[i].symbol}: the worst-case initial requirement ${round2(im)} (position + resting orders + this order) would exceed equity ${round2(e)}; reduce-only orders and orders that do not increase exposure are always accepted`,
      REJECT,
    );
  }

  private rejectAuctioned(
    a: number,
    i: number,
    side: Side,
    qty: number,
    room: number,
    field: string,
    ctx: string,
  ): never {
    const k = a * this.nI + i;
    const long = side === SELL;
    throw new CascadeError(
      "AUCTIONED_LOTS",
      field,
      qty,
      `at most ${room} lots for account ${a} (${this.labels[a]}) to ${long ? "sell" : "buy"} ${this.instruments[i].symbol}: it is ${long ? "long" : "short"} ${Math.abs(this.posA[k])}, of which its open ${long ? "sell" : "buy"} auctions hold ${this.auctionHeld(k, side)} (the auctions', not its own to ${long ? "sell" : "buy back"}) and its resting plain ${long ? "sells" : "buys"} ${this.plainResting(a, i, side)}`,
      ctx,
    );
  }

  private rejectFrozen(a: number, ctx: string, field = "account"): never {
    throw new CascadeError(
      "ACCOUNT_IN_LIQUIDATION",
      field,
      a,
      `an account not in liquidation: account ${a} (${this.labels[a]}) is frozen ${this.frozenWhy.get(a)}; its own orders and auction takes are refused until its liquidation ends (cancels and deposits are not)`,
      ctx,
    );
  }

  private reentrant(op: string): never {
    throw new CascadeError(
      "REENTRANT_ORDER",
      "call",
      op,
      "no order, cancel, transfer, auction, deposit, openAccount, updateMarks or advance call from inside a venue callback (fills$, book$, marks$, auctions$, transfers$): queue the reaction with loop.defer",
      "re-entrant call rejected",
    );
  }

  /** An order's quantity off the lot grid or beyond the instrument's largest order (submit, postQuote). */
  private badQuantity(quantity: unknown, i: number): never {
    throw new CascadeError(
      "INVALID_QUANTITY",
      "quantity",
      quantity,
      `an integer number of lots in [1, ${this.maxQty[i]}]`,
      REJECT,
    );
  }

  private badPrice(field: string, price: unknown, i: number): never {
    const b = this.books[i];
    throw new CascadeError(
      "INVALID_PRICE",
      field,
      price,
      `an integer number of ticks (the tick grid) in the band [${b.minPrice}, ${b.maxPrice}] of ${this.instruments[i].symbol}`,
      REJECT,
    );
  }

  private checkAccount(field: string, a: unknown, ctx: string): void {
    if (!(Number.isInteger(a) && (a as number) >= 0 && (a as number) < this.nAcc)) {
      throw new CascadeError(
        "UNKNOWN_ACCOUNT",
        field,
        a,
        `an account id in [0, ${this.nAcc - 1}] (openAccount)`,
        ctx,
      );
    }
  }

  /** Thrown where a side is neither BUY nor SELL (callers test inline: submit is a hot path). */
  private rejectSide(side: unknown, ctx: string): never {
    throw sideRejected(side, ctx);
  }

  private checkInstrument(field: string, i: unknown, ctx: string): void {
    if (!(Number.isInteger(i) && (i as number) >= 0 && (i as number) < this.nI)) {
      throw new CascadeError(
        "UNKNOWN_INSTRUMENT",
        field,
        i,
        `an instrument id in [0, ${this.nI - 1}] (instrumentId(symbol))`,
        ctx,
      );
    }
  }

  /** Instrument of `orderId` after checking it rests and belongs to `account`. */
  private ownedOrder(account: AccountId, orderId: number, ctx: string): number {
    this.checkAccount("account", account, ctx);
    const i = this.instrumentOf(account, orderId);
    if (i === -1) {
      throw new CascadeError(
        "UNKNOWN_ORDER",
        "orderId",
        orderId,
        "the id of a resting order (openOrders(account))",
        ctx,
      );
    }
    const owner = this.books[i].orderOwner(orderId);
    if (owner !== account) {
      throw new CascadeError(
        "NOT_OWNER",
        "account",
        account,
        `the owner of order ${orderId} (account ${owner})`,
        ctx,
      );
    }
    return i;
  }

  private getAuction(id: number, ctx: string): AuctionState {
    if (!(Number.isInteger(id) && id >= 1 && id <= this.auctionList.length)) {
      throw new CascadeError(
        "UNKNOWN_AUCTION",
        "auctionId",
        id,
        `an auction id in [1, ${this.auctionList.length}]`,
        ctx,
      );
    }
    return this.auctionList[id - 1];
  }

  private growAccounts(): void {
    const cap = this.cap === 0 ? 64 : this.cap * 2;
    const n = this.nI;
    this.cashA = copyInto(new Float64Array(cap), this.cashA);
    this.posA = copyInto(new Float64Array(cap * n), this.posA);
    this.costA = copyInto(new Float64Array(cap * n), this.costA);
    this.realA = copyInto(new Float64Array(cap * n), this.realA);
    this.restBuyA = copyInto(new Float64Array(cap * n), this.restBuyA);
    this.restSellA = copyInto(new Float64Array(cap * n), this.restSellA);
    this.resLongA = copyInto(new Float64Array(cap * n), this.resLongA);
    this.resShortA = copyInto(new Float64Array(cap * n), this.resShortA);
    this.activeFlag = copyInto(new Uint8Array(cap * n), this.activeFlag);
    this.exempt = copyInto(new Uint8Array(cap), this.exempt);
    this.frozenA = copyInto(new Uint8Array(cap), this.frozenA);
    this.nonZero = copyInto(new Int32Array(cap), this.nonZero);
    this.roCount = copyInto(new Int32Array(cap), this.roCount);
    this.cap = cap;
  }
}

/** maintenanceMargin(x) / x, written so that it is exactly the rate when the amount is 0. */
function averageMaintenanceRate(m: MarginSpec, x: number): number {
  return maintenanceRate(m, x) - maintenanceAmount(m, x) / x;
}

/** A fee rate in bps as the exact fraction num / den of notional (num signed, den > 0). */
interface FeeRate {
  num: number;
  den: number;
}

/** Decimals a fee rate in bps may have: the venue charges that decimal exactly (feeRate). */
export const FEE_DECIMALS = 8;

/**
 * Whether `bps` (finite) is a decimal with at most FEE_DECIMALS decimals (2.3, 0.125), which the
 * venue charges exactly; 1 / 3 is not (it would be rounded to 0.33333333), and is refused.
 */
export function exactFeeBps(bps: number): boolean {
  const s = 100_000_000; // 10^FEE_DECIMALS
  return Math.round(bps * s) / s === bps;
}

/**
 * The decimal value of `bps` (the shortest with up to FEE_DECIMALS decimals that reads back as the
 * same double: 2.3 -> 23 / 100_000; exactFeeBps(bps) holds) over 10_000: floor(notional * 2.3 /
 * 10_000) in floats lands just under 23 for a notional of 100_000.
 */
function feeRate(bps: number): FeeRate {
  let s = 1;
  for (let k = 0; k < FEE_DECIMALS && Math.round(bps * s) / s !== bps; k++) s *= 10;
  return { num: Math.round(bps * s), den: 10_000 * s };
}

/** fee = floor(notional * bps / 10_000), exact in integers; a negative rate (rebate) rounds toward zero. */
function fee(notional: number, r: FeeRate): number {
  const n = r.num < 0 ? -r.num : r.num;
  const a = notional * n;
  const f =
    a <= MAX_SAFE ? (a - (a % r.den)) / r.den : Number((BigInt(notional) * BigInt(n)) / BigInt(r.den));
  // 0 - f, not -f: a rebate that rounds to nothing is 0, not -0 (which Object.is and Intl tell apart)
  return r.num < 0 ? 0 - f : f;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Wires the venue to the clock: loop.tick$ -> venue.advance(t); the marks phase -> venue.updateMarks(). */
export function connectVenue(loop: RunLoop, venue: Venue): void {
  loop.tick$.subscribe((t) => venue.advance(t));
  loop.on("marks", () => venue.updateMarks());
}
