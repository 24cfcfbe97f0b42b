import { Rng, RunLoop } from "@cascade/core";
import { LiquidationEngine, type PolicySpec } from "@cascade/liquidation";
import { BUY, type InstrumentSpec, SELL, Venue, type VenueConfig } from "@cascade/market";

export { BUY, SELL };

/** Two instruments X (100) and Y (50), oracle marks (set by the test), no fees. */
export function twoAssetVenue(over: Partial<VenueConfig> = {}, specs?: InstrumentSpec[]): Venue {
  return new Venue({
    instruments: specs ?? [
      { symbol: "X", initialPrice: 100 },
      { symbol: "Y", initialPrice: 50 },
    ],
    mark: { kind: "oracle" },
    ...over,
  });
}

export function setMarks(venue: Venue, marks: number[]): void {
  for (let i = 0; i < marks.length; i++) venue.setOraclePrice(i, marks[i]);
  venue.updateMarks();
}

/** A maker account with plenty of cash. */
export function maker(venue: Venue, cash = 1_000_000_000): number {
  const m = venue.openAccount("maker");
  venue.deposit(m, cash);
  return m;
}

/** Gives `account` a position of q lots in `instrument` at `price`, against `from` (via the book). */
export function open(
  venue: Venue,
  account: number,
  from: number,
  instrument: number,
  q: number,
  price: number,
): void {
  venue.submit({
    account: from,
    instrument,
    side: q > 0 ? SELL : BUY,
    quantity: Math.abs(q),
    type: "limit",
    price,
  });
  const r = venue.submit({
    account,
    instrument,
    side: q > 0 ? BUY : SELL,
    quantity: Math.abs(q),
    type: "market",
  });
  if (r.filled !== Math.abs(q)) throw new Error(`open: filled ${r.filled} of ${q}`);
}

export function bid(
  venue: Venue,
  account: number,
  instrument: number,
  quantity: number,
  price: number,
): void {
  venue.submit({ account, instrument, side: BUY, quantity, type: "limit", price });
}
export function ask(
  venue: Venue,
  account: number,
  instrument: number,
  quantity: number,
  price: number,
): void {
  venue.submit({ account, instrument, side: SELL, quantity, type: "limit", price });
}

export function engine(
  venue: Venue,
  policy: PolicySpec,
  seed = 1,
): { engine: LiquidationEngine; loop: RunLoop } {
  const loop = new RunLoop({ rng: Rng.fromSeed(seed) });
  const e = new LiquidationEngine({ venue, loop, policy, rng: Rng.fromSeed(seed).split("liq") });
  return { engine: e, loop };
}

/** Conservation: cash sums to deposits, positions sum to zero (exact). */
export function conserved(venue: Venue): boolean {
  if (venue.totalCash() !== venue.totalDeposits) return false;
  for (let i = 0; i < venue.instruments.length; i++) if (venue.totalPosition(i) !== 0) return false;
  return true;
}

/** The standard two-asset account: cash 300, long 10 X @100 and 20 Y @50 (cash -1700 after). */
export function standardAccount(venue: Venue, mk: number): number {
  const a = venue.openAccount("trader");
  venue.deposit(a, 300);
  open(venue, a, mk, 0, 10, 100);
  open(venue, a, mk, 1, 20, 50);
  return a;
}
