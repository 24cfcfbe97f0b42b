/** Dutch auctions of positions (liquidations): types and the price schedule. */
import type { AccountId } from "./margin.js";
import { SELL, type Side } from "./orderbook.js";

export interface AuctionSpec {
  /** Account whose position is auctioned (positions leave it). */
  seller: AccountId;
  instrument: number;
  /** The trade from `seller`'s side: SELL auctions a long (price falls over time), BUY a short (price rises). */
  side: Side;
  /** Lots. */
  quantity: number;
  /** Ticks. */
  startPrice: number;
  /** Price never passes this (floor for SELL, cap for BUY). */
  limitPrice: number;
  /** Fraction in (0,1): price_k = start * (1 - decay)^k for SELL, start * (1 + decay)^k for BUY, rounded to ticks, clamped at limitPrice. */
  decayPerTick: number;
  /** The auction expires after this many ticks (takeable at ticks startTick .. startTick + durationTicks - 1). */
  durationTicks: number;
  /**
   * Tick at which the price schedule starts (price = startPrice) and from which the duration
   * counts; default: the tick the auction is opened. A liquidation engine that opens auctions after
   * the agents phase sets the next tick, so keepers can take at the start price, as after a Maker
   * `kick`. Before it the auction can already be taken at the start price.
   */
  startTick?: number;
  /** Carried to events (liquidation id); default -1. */
  tag?: number;
}
export interface AuctionState extends Required<AuctionSpec> {
  id: number;
  openedAt: number;
  remaining: number;
  status: "open" | "filled" | "expired" | "cancelled";
}
export type AuctionEvent =
  | { type: "opened"; tick: number; auction: AuctionState }
  | {
      type: "taken";
      tick: number;
      auction: AuctionState;
      bidder: AccountId;
      quantity: number;
      price: number;
      notional: number;
    }
  | {
      /**
       * A transfer into the seller's position left it smaller than the auction's lots: the auction
       * gave up `quantity` of them (`reason`: the transfer's). If none is left, `closed` "cancelled" follows.
       */
      type: "reduced";
      tick: number;
      auction: AuctionState;
      quantity: number;
      reason: string;
    }
  | { type: "closed"; tick: number; auction: AuctionState; reason: "filled" | "expired" | "cancelled" };

/**
 * Price of auction `a` (integer ticks) `elapsed` whole ticks after it opened: Math.round(startPrice
 * x f^k), f = 1 - decayPerTick for SELL, 1 + decayPerTick for BUY, clamped at limitPrice. f^k is
 * the correctly rounded double of the power (powerOf), not Math.pow (or **), which need not be
 * correctly rounded and whose last bit differs between engines and versions: one bit can move a
 * price that lies near a half tick, and with it the bytes of a seeded run.
 */
export function dutchPrice(a: AuctionSpec, elapsed: number): number {
  const k = elapsed < 0 ? 0 : elapsed;
  if (a.side === SELL) {
    const p = Math.round(a.startPrice * powerOf(1 - a.decayPerTick, k));
    return p < a.limitPrice ? a.limitPrice : p;
  }
  const p = Math.round(a.startPrice * powerOf(1 + a.decayPerTick, k));
  return p > a.limitPrice ? a.limitPrice : p;
}

// Double-double results (hi + lo, |lo| <= half an ulp of hi) of the helpers below: module scratch,
// so a price allocates nothing.
let ddHi = 0;
let ddLo = 0;

/** Veltkamp's splitter: 2^27 + 1 cuts a double into two halves of 26 bits whose products are exact. */
const SPLIT = 134_217_729;

/** (xh + xl) x (yh + yl) into ddHi + ddLo: Dekker's exact product of the highs plus the cross terms. */
function ddMul(xh: number, xl: number, yh: number, yl: number): void {
  const p = xh * yh;
  if (!(p < 1e300 && p > -1e300)) {
    // far beyond any price (the splitter would overflow into NaN): the plain product, or Infinity
    ddHi = p;
    ddLo = 0;
    return;
  }
  let c = SPLIT * xh;
  const xhh = c - (c - xh);
  const xhl = xh - xhh;
  c = SPLIT * yh;
  const yhh = c - (c - yh);
  const yhl = yh - yhh;
  const e = xhh * yhh - p + xhh * yhl + xhl * yhh + xhl * yhl + (xh * yl + xl * yh);
  ddHi = p + e;
  ddLo = e - (ddHi - p);
}

/**
 * f^k for a whole number k >= 0, by squaring in double-double arithmetic (about 100 bits) and then
 * rounded to a double: the correctly rounded power unless it lies within ~1e-27 (relative) of a
 * midpoint between two doubles. Only +, - and x, each correctly rounded by IEEE 754 (JavaScript
 * never fuses them), in a fixed order: the same double on every engine.
 */
export function powerOf(f: number, k: number): number {
  let rh = 1;
  let rl = 0;
  let bh = f;
  let bl = 0;
  let n = k;
  while (n > 0) {
    const bit = n % 2;
    if (bit === 1) {
      ddMul(rh, rl, bh, bl);
      rh = ddHi;
      rl = ddLo;
    }
    n = (n - bit) / 2;
    if (n > 0) {
      ddMul(bh, bl, bh, bl);
      bh = ddHi;
      bl = ddLo;
    }
  }
  return rh;
}
