/**
 * The trader archetypes. Each agent is a small object holding its own parameters (drawn per agent
 * by `buildPopulation`) and an `AgentView` (own account, public market data, own Rng, order
 * functions). `act(tick)` is its decision rule; it is only ever called by the core scheduler in
 * the `agents` phase (or from a scheduler wake-up caused by an event), never from inside a stream
 * callback, so orders are never placed re-entrantly.
 */
import { type Dist, sample } from "@cascade/core";
import { type AuctionState, BUY, SELL, type Side } from "@cascade/market";
import type { AgentView } from "./tape.js";

export interface Agent {
  act(tick: number): void;
}

const sizeOf = (d: Dist, view: AgentView): number => Math.max(1, Math.round(sample(d, view.rng)));

/**
 * A resting order's price kept off the opposite side: a buy at most one tick below the best ask, a
 * sell one above the best bid. Prices from the mid can be beyond it while the own side is empty
 * (the mid is then the last trade, or the mark), and such an order traded on arrival. NaN when no
 * price in the band stays passive (the opposite best is at the band's edge).
 */
function passivePrice(v: AgentView, i: number, side: Side, raw: number): number {
  // The band clamp the order would get (AgentView.limit) comes first: a buy priced from a mid at
  // the band's floor would be lifted onto an ask resting there.
  const price = Math.min(Math.max(Math.round(raw), v.minPrice(i)), v.maxPrice(i));
  if (side === BUY) {
    const ask = v.bestAsk(i);
    if (ask > 0 && price >= ask) return ask - 1 >= v.minPrice(i) ? ask - 1 : Number.NaN;
  } else {
    const bid = v.bestBid(i);
    if (bid > 0 && price <= bid) return bid + 1 <= v.maxPrice(i) ? bid + 1 : Number.NaN;
  }
  return price;
}

// ---------------------------------------------------------------------------------------------
// Noise / zero-intelligence
// ---------------------------------------------------------------------------------------------

export interface NoiseConfig {
  limitWeight: number;
  marketWeight: number;
  cancelWeight: number;
  orderSize: Dist;
  priceOffset: Dist;
  maxSlippage: number;
  /** Resting orders kept at most; placing beyond it cancels the oldest. */
  maxOpenOrders: number;
}

/**
 * Zero-intelligence order flow (Farmer, Patelli & Zovko 2005 style): at each wake one of limit /
 * market / cancel, chosen with probabilities proportional to the weights (so each is a thinned
 * Poisson stream when activation is Poisson). Limit prices are the mid -/+ an offset drawn per
 * order (small offsets land inside the spread); buys never cross the ask (sells the bid).
 */
export class NoiseTrader implements Agent {
  constructor(
    readonly view: AgentView,
    readonly instrument: number,
    readonly p: NoiseConfig,
  ) {}

  act(_tick?: number): void {
    const v = this.view;
    const p = this.p;
    const u = v.rng.uniform() * (p.limitWeight + p.marketWeight + p.cancelWeight);
    if (u < p.limitWeight) this.placeLimit();
    else if (u < p.limitWeight + p.marketWeight) this.placeMarket();
    else this.cancelOne();
  }

  placeLimit(): void {
    const v = this.view;
    const i = this.instrument;
    const side: Side = v.rng.uniform() < 0.5 ? BUY : SELL;
    const mid = v.mid(i);
    const off = Math.max(0, sample(this.p.priceOffset, v.rng));
    // With the best ask at minPrice (the bid at maxPrice) no price in the band is below (above) it:
    // the order is not placed (clamped into the band it crossed and traded).
    const price = passivePrice(v, i, side, side === BUY ? Math.floor(mid - off) : Math.ceil(mid + off));
    if (Number.isNaN(price)) return;
    const open = v.openOrders();
    if (open.length >= this.p.maxOpenOrders) v.cancel(open[0]);
    v.limit(i, side, sizeOf(this.p.orderSize, v), price);
  }

  placeMarket(): void {
    const v = this.view;
    const i = this.instrument;
    const side: Side = v.rng.uniform() < 0.5 ? BUY : SELL;
    const mid = v.mid(i);
    const worst =
      side === BUY ? Math.ceil(mid * (1 + this.p.maxSlippage)) : Math.floor(mid * (1 - this.p.maxSlippage));
    v.ioc(i, side, sizeOf(this.p.orderSize, v), worst);
  }

  cancelOne(): void {
    const v = this.view;
    const open = v.openOrders();
    if (open.length > 0) v.cancel(open[v.rng.int(open.length)]);
  }
}

// ---------------------------------------------------------------------------------------------
// Fundamentalist (value)
// ---------------------------------------------------------------------------------------------

export interface FundamentalistConfig {
  bias: number;
  observationNoise: number;
  threshold: number;
  orderSize: Dist;
  aggression: number;
  priceOffset: Dist;
  cancelOnWake: boolean;
}

/**
 * Trades toward a noisy private estimate of the fundamental value: estimate = value * exp(bias +
 * noise * N(0,1)), observed afresh at each wake (the agent's own observation; ABIDES value agents
 * likewise see a noisy fundamental). Buys when the estimate is above the mid by more than the
 * threshold, sells when below. With probability `aggression` it crosses the spread (a GTC limit at
 * the opposite best, never beyond its estimate); otherwise it posts behind its own best (with its
 * own side empty, behind the mid but never at or through the opposite best).
 */
export class Fundamentalist implements Agent {
  constructor(
    readonly view: AgentView,
    readonly instrument: number,
    readonly p: FundamentalistConfig,
    /** The agent's private observation of the fundamental value (no other agent sees it). */
    private readonly observe: (instrument: number) => number,
  ) {}

  /** The agent's current private estimate of the value. */
  estimate(): number {
    const v = this.view;
    return this.observe(this.instrument) * Math.exp(this.p.bias + this.p.observationNoise * v.rng.normal());
  }

  act(_tick?: number): void {
    const v = this.view;
    const i = this.instrument;
    const p = this.p;
    if (p.cancelOnWake) v.cancelAll(i);
    const est = this.estimate();
    const mid = v.mid(i);
    if (!(mid > 0)) return;
    const gap = est / mid - 1;
    if (Math.abs(gap) <= p.threshold) return;
    const side: Side = gap > 0 ? BUY : SELL;
    const qty = sizeOf(p.orderSize, v);
    const bid = v.bestBid(i);
    const ask = v.bestAsk(i);
    let price: number;
    if (v.rng.uniform() < p.aggression) {
      price =
        side === BUY
          ? ask > 0
            ? Math.min(ask, Math.floor(est))
            : Math.floor(est)
          : bid > 0
            ? Math.max(bid, Math.ceil(est))
            : Math.ceil(est);
    } else {
      const off = Math.max(0, Math.round(sample(p.priceOffset, v.rng)));
      if (side === BUY) {
        price = (bid > 0 ? bid : Math.floor(mid) - 1) - off;
        if (price > est) price = Math.floor(est);
      } else {
        price = (ask > 0 ? ask : Math.ceil(mid) + 1) + off;
        if (price < est) price = Math.ceil(est);
      }
      price = passivePrice(v, i, side, price);
      if (Number.isNaN(price)) return;
    }
    v.limit(i, side, qty, price);
  }
}

// ---------------------------------------------------------------------------------------------
// Momentum / chartist
// ---------------------------------------------------------------------------------------------

export interface MomentumConfig {
  shortWindow: number;
  longWindow: number;
  threshold: number;
  orderSize: Dist;
  aggression: number;
  maxSlippage: number;
}

/**
 * Chartist: compares its own short and long moving averages of the mid (windows drawn per agent);
 * short above long by more than the threshold = up-trend = buy; below = sell. With probability
 * `aggression` a marketable IOC (bounded by maxSlippage), otherwise a limit at its own best (its
 * previous resting orders are cancelled first; with its own side empty, a tick off the mid but
 * never at or through the opposite best).
 */
export class MomentumTrader implements Agent {
  constructor(
    readonly view: AgentView,
    readonly instrument: number,
    readonly p: MomentumConfig,
  ) {}

  /** +1 up-trend, -1 down-trend, 0 none / not enough history. */
  signal(): number {
    const v = this.view;
    const s = v.movingAverage(this.instrument, this.p.shortWindow);
    const l = v.movingAverage(this.instrument, this.p.longWindow);
    if (!(s > 0 && l > 0)) return 0;
    const g = s / l - 1;
    return g > this.p.threshold ? 1 : g < -this.p.threshold ? -1 : 0;
  }

  act(_tick?: number): void {
    const v = this.view;
    const i = this.instrument;
    const sig = this.signal();
    if (sig === 0) return;
    const side: Side = sig > 0 ? BUY : SELL;
    const qty = sizeOf(this.p.orderSize, v);
    const mid = v.mid(i);
    if (v.rng.uniform() < this.p.aggression) {
      v.ioc(
        i,
        side,
        qty,
        side === BUY ? Math.ceil(mid * (1 + this.p.maxSlippage)) : Math.floor(mid * (1 - this.p.maxSlippage)),
      );
    } else {
      v.cancelAll(i);
      const bid = v.bestBid(i);
      const ask = v.bestAsk(i);
      const price = passivePrice(
        v,
        i,
        side,
        side === BUY ? (bid > 0 ? bid : Math.floor(mid) - 1) : ask > 0 ? ask : Math.ceil(mid) + 1,
      );
      if (!Number.isNaN(price)) v.limit(i, side, qty, price);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Leveraged portfolio trader
// ---------------------------------------------------------------------------------------------

export interface LeveragedConfig {
  leverage: number;
  /** Signed target weights per instrument index of the venue (sum of |w| = 1). */
  weights: Float64Array;
  rebalanceThreshold: number;
  maxSlippage: number;
  dipBuying: number;
  dipThreshold: number;
  dipSize: number;
  maxOrderLots: number;
  /** Margin top-up, drawn (MarginTopUpSpec): margin ratios and the reserve in whole cash units; absent: never. */
  topUp?: { below: number; to: number; reserve: number };
}

/**
 * Cross-margin portfolio over several instruments with a target gross leverage. At each wake the
 * target of leg j is w_j * leverage * equity / (mid_j * contractValue_j) lots; legs off target by
 * more than rebalanceThreshold * |target| are traded with IOC orders (risk-reducing legs first),
 * sized with venue.maxOrderQuantity, so the trader never sends an order that breaches initial
 * margin (its effective leverage is thus capped by the venue's initial margin rate). After a fall
 * of more than dipThreshold since its last look, it buys the dip with probability dipBuying (an
 * extra dipSize * target). Rebalancing to a leverage target sells after losses: the pro-cyclical
 * deleveraging of Thurner, Farmer & Geanakoplos (2012). An account with equity <= 0 stops trading.
 * With `topUp`, each wake first tops up the margin (topUpMargin), also while the account is frozen
 * in liquidation: a deposit is not an order.
 */
export class LeveragedTrader implements Agent {
  private readonly lastPrice: Float64Array;
  private readonly legQty: Float64Array;
  /**
   * The reserve left: in a typed array, as a field holding a double beyond the small integers would
   * allocate a heap number at each store.
   */
  private readonly reserve = new Float64Array(1);
  /** Number of top-ups so far. */
  topUps = 0;

  constructor(
    readonly view: AgentView,
    readonly p: LeveragedConfig,
  ) {
    this.lastPrice = new Float64Array(p.weights.length);
    this.legQty = new Float64Array(p.weights.length);
    this.reserve[0] = p.topUp?.reserve ?? 0;
  }

  /** What is left of the top-up reserve (whole cash units; reserveLeft + toppedUp = the reserve drawn). */
  get reserveLeft(): number {
    return this.reserve[0];
  }

  /** Cash deposited by top-ups so far (the reserve drawn less what is left: both whole units). */
  get toppedUp(): number {
    return (this.p.topUp?.reserve ?? 0) - this.reserve[0];
  }

  /**
   * When equity / maintenance is below `topUp.below`, deposits the least whole cash amount that
   * brings it to at least `topUp.to` (or what is left of the reserve, if less); returns the amount.
   */
  topUpMargin(): number {
    const t = this.p.topUp;
    const left = this.reserve[0];
    if (t === undefined || left <= 0) return 0;
    const v = this.view;
    const mm = v.maintenanceRequirement();
    if (!(mm > 0)) return 0;
    const eq = v.equity();
    if (!(eq / mm < t.below)) return 0;
    let d: number;
    if (t.to * mm - eq >= left) d = left;
    else {
      d = Math.max(1, Math.ceil(t.to * mm - eq));
      // to * mm - eq is rounded: settle on the least whole amount the ratio test itself accepts
      while ((eq + d) / mm < t.to) d++;
      while (d > 1 && (eq + d - 1) / mm >= t.to) d--;
      if (d > left) d = left;
    }
    v.deposit(d);
    this.reserve[0] = left - d;
    this.topUps++;
    return d;
  }

  /** Target position (lots) of instrument j given the current equity and prices. */
  target(j: number): number {
    const v = this.view;
    const eq = v.equity();
    const mid = v.mid(j);
    if (!(eq > 0 && mid > 0)) return 0;
    return Math.trunc((this.p.weights[j] * this.p.leverage * eq) / (mid * v.contractValue(j)));
  }

  act(_tick?: number): void {
    const v = this.view;
    const p = this.p;
    const n = p.weights.length;
    if (p.topUp !== undefined) this.topUpMargin();
    if (!(v.equity() > 0)) return;
    // Desired change per leg.
    for (let j = 0; j < n; j++) {
      this.legQty[j] = 0;
      if (p.weights[j] === 0 && v.position(j) === 0) continue;
      const mid = v.mid(j);
      const tgt = this.target(j);
      let extra = 0;
      const last = this.lastPrice[j];
      if (
        last > 0 &&
        p.dipBuying > 0 &&
        tgt !== 0 &&
        Math.abs(mid / last - 1) > p.dipThreshold &&
        Math.sign(tgt) * (mid - last) < 0
      ) {
        if (v.rng.uniform() < p.dipBuying) extra = Math.trunc(tgt * p.dipSize);
      }
      this.lastPrice[j] = mid;
      const diff = tgt + extra - v.position(j);
      if (extra === 0 && Math.abs(diff) <= p.rebalanceThreshold * Math.abs(tgt)) continue;
      this.legQty[j] = diff;
    }
    // Reducing legs first (they free margin), then the rest.
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < n; j++) {
        const diff = this.legQty[j];
        if (diff === 0) continue;
        const pos = v.position(j);
        const reducing = pos !== 0 && Math.sign(diff) !== Math.sign(pos);
        if ((pass === 0) !== reducing) continue;
        const side: Side = diff > 0 ? BUY : SELL;
        const mid = v.mid(j);
        const limit =
          side === BUY ? Math.ceil(mid * (1 + p.maxSlippage)) : Math.floor(mid * (1 - p.maxSlippage));
        v.ioc(j, side, Math.min(Math.abs(diff), p.maxOrderLots), limit);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Market maker (Avellaneda-Stoikov style)
// ---------------------------------------------------------------------------------------------

export interface MarketMakerConfig {
  levels: number;
  levelSpacing: number;
  levelSize: number;
  gamma: number;
  kappa: number;
  horizon: number;
  minHalfSpread: number;
  volatilityWidening: number;
  maxInventory: number;
  withdrawVolatility: number;
  withdrawMove: number;
  withdrawTicks: number;
}

export interface Quote {
  reservation: number;
  halfSpread: number;
  bid: number;
  ask: number;
}

/**
 * Avellaneda & Stoikov (2008) quoting, in ticks: with sigma_p = recent per-tick volatility of the
 * mid in ticks and q the inventory in lots,
 *   half-spread d = max(minHalfSpread, gamma sigma_p^2 horizon / 2 + ln(1 + gamma/kappa) / gamma
 *                                      + volatilityWidening * sigma_p * sqrt(horizon))
 *   reservation r = mid - clamp(q * gamma * sigma_p^2 * horizon, -d, d)
 * Quotes `levels` levels per side, `levelSpacing` ticks apart, from floor(r - d) and ceil(r + d)
 * (POST_ONLY), refreshed at each wake (all previous quotes cancelled). A side that would grow
 * |inventory| beyond maxInventory is not quoted. Under stress (short/long volatility ratio above
 * withdrawVolatility, or the mid moved more than withdrawMove within `horizon` ticks) it pulls all
 * quotes for withdrawTicks: liquidity evaporates in a cascade.
 */
export class MarketMaker implements Agent {
  private withdrawnUntil = -1;
  /** Number of withdrawals so far. */
  withdrawals = 0;
  /** The last quote (setQuote): act reads these instead of a Quote object per wake. */
  private qReservation = 0;
  private qHalfSpread = 0;
  private qBid = 0;
  private qAsk = 0;

  constructor(
    readonly view: AgentView,
    readonly instrument: number,
    readonly p: MarketMakerConfig,
  ) {}

  quote(): Quote {
    this.setQuote();
    return { reservation: this.qReservation, halfSpread: this.qHalfSpread, bid: this.qBid, ask: this.qAsk };
  }

  private setQuote(): void {
    const v = this.view;
    const i = this.instrument;
    const p = this.p;
    const mid = v.mid(i);
    const sigmaP = v.volatility(i, 1) * mid;
    const q = v.position(i);
    const s2h = sigmaP * sigmaP * p.horizon;
    const halfSpread = Math.max(
      p.minHalfSpread,
      (p.gamma * s2h) / 2 +
        Math.log1p(p.gamma / p.kappa) / p.gamma +
        p.volatilityWidening * sigmaP * Math.sqrt(p.horizon),
    );
    // The inventory skew is capped at the half-spread, as practical makers cap it: uncapped, a
    // large gamma, inventory or volatility put both quotes hundreds of ticks away (near maxPrice
    // when short), so the maker left the market exactly when it needed to unwind. Capped, the side
    // that reduces inventory quotes at the mid at most.
    const skew = q * p.gamma * s2h;
    const reservation = mid - (skew > halfSpread ? halfSpread : skew < -halfSpread ? -halfSpread : skew);
    let bid = Math.floor(reservation - halfSpread);
    let ask = Math.ceil(reservation + halfSpread);
    if (ask <= bid) ask = bid + 1;
    bid = Math.max(bid, v.minPrice(i));
    this.qReservation = reservation;
    this.qHalfSpread = halfSpread;
    this.qBid = bid;
    this.qAsk = ask;
  }

  /** True when the market is too stressed to quote. */
  stressed(): boolean {
    const v = this.view;
    const i = this.instrument;
    const p = this.p;
    if (v.volatilityRatio(i) > p.withdrawVolatility) return true;
    const past = v.midAgo(i, Math.min(Math.round(p.horizon), 8000));
    const mid = v.mid(i);
    return past > 0 && Math.abs(mid / past - 1) > p.withdrawMove;
  }

  act(tick: number): void {
    const v = this.view;
    const i = this.instrument;
    const p = this.p;
    v.cancelAll(i);
    if (tick < this.withdrawnUntil) return;
    if (this.stressed()) {
      this.withdrawnUntil = tick + p.withdrawTicks;
      this.withdrawals++;
      return;
    }
    this.setQuote();
    const bid = this.qBid;
    const ask = this.qAsk;
    const q = v.position(i);
    const maxP = v.maxPrice(i);
    const minP = v.minPrice(i);
    for (let l = 0; l < p.levels; l++) {
      const off = l * p.levelSpacing;
      if (q + (l + 1) * p.levelSize <= p.maxInventory && bid - off >= minP)
        v.limit(i, BUY, p.levelSize, bid - off, "POST_ONLY");
      if (q - (l + 1) * p.levelSize >= -p.maxInventory && ask + off <= maxP)
        v.limit(i, SELL, p.levelSize, ask + off, "POST_ONLY");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Liquidator / keeper
// ---------------------------------------------------------------------------------------------

export interface LiquidatorConfig {
  discount: number;
  maxLeverage: number;
  bookDiscount: number;
  unwindFraction: number;
  reference: "oracle" | "mark";
  /** Instrument ids whose auctions it takes and whose books it buys (default every instrument). */
  instruments?: readonly number[];
}

/**
 * Capital-limited keeper. Woken when an auction opens (and every tick while auctions it has not
 * taken stay open, since Dutch auction prices move), it takes an auction when the price is at a
 * discount of at least `discount` to the reference (oracle or mark; a premium for BUY auctions),
 * for as much as its risk limit (gross notional <= maxLeverage * equity) and the venue's initial
 * margin allow. At every wake (periodic or auction-driven) it also buys on the book when the mid
 * is below the reference by more than bookDiscount (sells when above), and offers a fraction of its
 * inventory back at the reference (reduce-only limit orders). Auctions and book trades are limited
 * to its `instruments`; inventory in any instrument is offered back.
 */
export class Liquidator implements Agent {
  /** Set by the population: wakes this agent at the next tick. */
  wakeNext: (tick: number) => void = () => {};
  /** 1 for the instruments it takes auctions in and buys on the book. */
  private readonly trades: Uint8Array;
  /** The open auctions as of the wake, reused across wakes (its takes change the venue's list). */
  private readonly auctions: AuctionState[] = [];

  constructor(
    readonly view: AgentView,
    readonly p: LiquidatorConfig,
  ) {
    this.trades = new Uint8Array(view.instrumentCount);
    if (p.instruments === undefined) this.trades.fill(1);
    else for (const i of p.instruments) this.trades[i] = 1;
  }

  /** Whether it takes auctions in, and trades on the book of, instrument i. */
  tradesInstrument(i: number): boolean {
    return this.trades[i] === 1;
  }

  reference(i: number): number {
    const v = this.view;
    if (this.p.reference === "oracle") {
      const o = v.oraclePrice(i);
      if (o > 0) return o;
    }
    return v.mark(i);
  }

  /** Lots of instrument i at `price` this keeper may add on `side` within its risk limit and initial margin. */
  room(i: number, side: Side, price: number): number {
    const v = this.view;
    const eq = v.equity();
    if (!(eq > 0)) return 0;
    let gross = 0;
    for (let j = 0; j < v.instrumentCount; j++)
      gross += Math.abs(v.position(j)) * v.mark(j) * v.contractValue(j);
    const pos = v.position(i);
    // Reducing an existing opposite position does not add risk.
    const reduce = pos !== 0 && Math.sign(pos) !== side ? Math.abs(pos) : 0;
    const byRisk =
      reduce + Math.max(0, Math.floor((this.p.maxLeverage * eq - gross) / (price * v.contractValue(i))));
    return Math.min(byRisk, v.maxQuantity(i, side, price));
  }

  act(tick: number): void {
    const v = this.view;
    const p = this.p;
    let waiting = false;
    const open = v.openAuctionsInto(this.auctions);
    for (let k = 0; k < open; k++) {
      const a = this.auctions[k];
      // A keeper being liquidated itself cannot take its own auction (the venue refuses it).
      if (a.status !== "open" || a.remaining <= 0 || a.seller === v.account) continue;
      if (this.trades[a.instrument] === 0) continue;
      const ref = this.reference(a.instrument);
      const price = v.auctionPrice(a.id);
      // SELL auction: the keeper buys (wants a discount); BUY auction: the keeper sells (wants a premium).
      const side: Side = a.side === SELL ? BUY : SELL;
      const bound = side === BUY ? Math.floor(ref * (1 - p.discount)) : Math.ceil(ref * (1 + p.discount));
      const good = side === BUY ? price <= bound : price >= bound;
      if (!good) {
        waiting = true;
        continue;
      }
      const qty = Math.min(a.remaining, this.room(a.instrument, side, price));
      if (qty > 0) v.takeAuction(a.id, qty, bound);
    }
    if (waiting) this.wakeNext(tick);
    // Book: buy after crashes / sell after spikes; offer inventory back at the reference.
    for (let i = 0; i < v.instrumentCount; i++) {
      const ref = this.reference(i);
      const mid = v.mid(i);
      if (!(ref > 0 && mid > 0)) continue;
      if (
        this.trades[i] === 1 &&
        Number.isFinite(p.bookDiscount) &&
        Math.abs(mid / ref - 1) > p.bookDiscount
      ) {
        const side: Side = mid < ref ? BUY : SELL;
        const limit =
          side === BUY ? Math.floor(ref * (1 - p.bookDiscount)) : Math.ceil(ref * (1 + p.bookDiscount));
        const qty = this.room(i, side, limit);
        if (qty > 0) v.ioc(i, side, qty, limit);
      }
      const pos = v.position(i);
      if (pos !== 0 && p.unwindFraction > 0) {
        v.cancelAll(i);
        const side: Side = pos > 0 ? SELL : BUY;
        const q = Math.ceil(Math.abs(pos) * p.unwindFraction);
        v.limit(i, side, q, side === SELL ? Math.ceil(ref) : Math.floor(ref), "GTC", true);
      }
    }
  }
}
