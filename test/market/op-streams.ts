/**
 * What the reduce-only and auction-lots properties share: a one-instrument venue (X at 1000) with
 * TRADERS margin-exempt traders, each starting long or short `start` lots (alternating) bought from
 * a maker (the last account), and the operations of their random streams that move positions
 * outside the order book (transfers, auctions, takes).
 */
import { BUY, type OrderResult, SELL, type Side, Venue } from "@cascade/market";
import fc from "fast-check";

export const TRADERS = 3;

export function tradersVenue(
  start: number,
  fees?: { makerBps: number; takerBps: number },
): { v: Venue; accounts: number[]; maker: number } {
  const v = new Venue({ instruments: [{ symbol: "X", initialPrice: 1000 }], ...(fees ? { fees } : {}) });
  const accounts = [...Array(TRADERS + 1)].map((_, k) => v.openAccount(`a${k}`, { marginExempt: true }));
  const maker = accounts[TRADERS];
  for (const a of accounts) v.deposit(a, 1e10);
  for (let k = 0; k < TRADERS; k++) {
    const s: Side = k % 2 === 0 ? BUY : SELL;
    v.submit({
      account: maker,
      instrument: 0,
      side: -s as Side,
      quantity: start,
      type: "limit",
      price: 1000,
    });
    v.submit({ account: accounts[k], instrument: 0, side: s, quantity: start, type: "market" });
  }
  return { v, accounts, maker };
}

/** Moves a share `frac` (at least a lot) of `from`'s unreserved position to `to` at 1000, if it has one. */
export function transferShare(v: Venue, from: number, to: number, frac: number, reason: string): void {
  const q = v.position(from, 0);
  const free = Math.abs(q) - v.reserved(from, 0);
  if (free > 0)
    v.transferPosition(from, to, 0, Math.sign(q) * Math.max(1, Math.floor(free * frac)), 1000, reason);
}

/** Puts a share `frac` (at least a lot) of `a`'s unreserved position up for a 4-tick Dutch auction, if it has one. */
export function auctionShare(v: Venue, a: number, frac: number): void {
  const q = v.position(a, 0);
  const free = Math.abs(q) - v.reserved(a, 0);
  if (free <= 0) return;
  const s: Side = q > 0 ? SELL : BUY;
  v.openAuction({
    seller: a,
    instrument: 0,
    side: s,
    quantity: Math.max(1, Math.floor(free * frac)),
    startPrice: s === SELL ? 1010 : 990,
    limitPrice: s === SELL ? 980 : 1020,
    decayPerTick: 0.01,
    durationTicks: 4,
  });
}

/** An order of account `a`: a market order, or a limit order `off` ticks from 1000. */
export function submitOrder(
  v: Venue,
  a: number,
  o: { side: Side; qty: number; market: boolean; off: number },
  reduceOnly: boolean,
): OrderResult {
  return v.submit(
    o.market
      ? { account: a, instrument: 0, side: o.side, quantity: o.qty, type: "market", reduceOnly }
      : {
          account: a,
          instrument: 0,
          side: o.side,
          quantity: o.qty,
          type: "limit",
          price: 1000 + o.off,
          reduceOnly,
        },
  );
}

/**
 * The operations both streams draw alike: a position transfer between any two accounts (the maker
 * included; into a position under auction too, as an ADL would), a trader's auction of a share of
 * its position, a tick.
 */
export const trader = fc.integer({ min: 0, max: TRADERS - 1 });
export const transferOp = {
  weight: 2,
  arbitrary: fc.record({
    op: fc.constant("transfer" as const),
    from: fc.integer({ min: 0, max: TRADERS }),
    to: fc.integer({ min: 0, max: TRADERS }),
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
};
export const auctionOp = {
  weight: 2,
  arbitrary: fc.record({
    op: fc.constant("auction" as const),
    t: trader,
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
};
export const advanceOp = { weight: 1, arbitrary: fc.record({ op: fc.constant("advance" as const) }) };
