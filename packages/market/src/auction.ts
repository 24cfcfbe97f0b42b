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
  | { type: "closed"; tick: number; auction: AuctionState; reason: "filled" | "expired" | "cancelled" };

/** Price of auction `a` (integer ticks) `elapsed` ticks after it opened. */
export function dutchPrice(a: AuctionSpec, elapsed: number): number {
  const k = elapsed < 0 ? 0 : elapsed;
  if (a.side === SELL) {
    const p = Math.round(a.startPrice * (1 - a.decayPerTick) ** k);
    return p < a.limitPrice ? a.limitPrice : p;
  }
  const p = Math.round(a.startPrice * (1 + a.decayPerTick) ** k);
  return p > a.limitPrice ? a.limitPrice : p;
}
