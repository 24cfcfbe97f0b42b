import { Rng, RunLoop } from "@cascade/core";
import { LiquidationEngine, type PolicySpec, presets } from "@cascade/liquidation";
import { BUY, type InstrumentSpec, SELL, Venue, type VenueConfig } from "@cascade/market";
import { expect } from "vitest";

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

/**
 * A margin-exempt maker resting 10,000 lots at every price of each book: bids from 1 to one tick
 * under the instrument's start price, asks from one tick over it to 4x (a book no liquidation
 * empties).
 */
export function deepMaker(venue: Venue): number {
  const mk = venue.openAccount("maker", { marginExempt: true });
  venue.deposit(mk, 1e12);
  for (let i = 0; i < venue.instruments.length; i++) {
    const p0 = venue.instruments[i].initialPrice;
    for (let p = 1; p < p0; p++)
      venue.submit({ account: mk, instrument: i, side: BUY, quantity: 10_000, type: "limit", price: p });
    for (let p = p0 + 1; p <= 4 * p0; p++)
      venue.submit({ account: mk, instrument: i, side: SELL, quantity: 10_000, type: "limit", price: p });
  }
  return mk;
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

/**
 * The bounded check against a full scan on a two-asset venue: marks move from X 100, Y 50 along
 * `path` (fractions per tick, clamped to 2..399 and 2..199) and back, and each tick a full-close
 * engine (trigger: maintenance, or with `hf` a health factor below 1.1) must margin-call exactly the
 * traders with positions a scan of all of them finds under it. `each` sees every such trader first.
 */
export function expectBoundedMatchesFullScan(
  venue: Venue,
  traders: readonly number[],
  path: ReadonlyArray<[number, number]>,
  hf: boolean,
  each?: (account: number, marks: readonly number[]) => void,
): void {
  const policy = presets.fullClose({
    maxSlippage: 1,
    ...(hf ? { trigger: { kind: "healthFactor", below: 1.1 } } : {}),
  });
  const e = engineFor(venue, policy);
  const called = new Set<number>();
  e.marginCalls$.subscribe((c) => called.add(c.account));
  const marks = [100, 50];
  let t = 0;
  // out and back: longs and shorts cross their thresholds (and size tiers) both ways
  for (const [dx, dy] of [...path, ...path.map(([x, y]) => [-x, -y] as [number, number])]) {
    t++;
    marks[0] = Math.max(2, Math.min(399, marks[0] * (1 + dx)));
    marks[1] = Math.max(2, Math.min(199, marks[1] * (1 + dy)));
    setMarks(venue, marks);
    venue.advance(t);
    const expected: number[] = [];
    for (const a of traders) {
      if (venue.position(a, 0) === 0 && venue.position(a, 1) === 0) continue;
      each?.(a, marks);
      if (hf ? venue.healthFactor(a) < 1.1 : venue.equity(a) < venue.maintenanceRequirement(a))
        expected.push(a);
    }
    called.clear();
    e.check(t);
    expect([...called].sort((p, q) => p - q)).toEqual(expected);
  }
}

/** A liquidation engine on `venue` with the tests' fixed streams (loop seed 1, engine seed 2). */
export function engineFor(venue: Venue, policy: PolicySpec): LiquidationEngine {
  return new LiquidationEngine({
    venue,
    loop: new RunLoop({ rng: Rng.fromSeed(1) }),
    policy,
    rng: Rng.fromSeed(2),
  });
}

/**
 * Walks an oracle price path from marks 100 and 50: tick t = 1, 2, ... moves the marks by the
 * step's returns (stepOracleMarks), then calls `onTick(t)` (which checks the engine).
 */
export function walkPath(
  venue: Venue,
  path: ReadonlyArray<[number, number]>,
  onTick: (tick: number) => void,
): void {
  const marks = [100, 50];
  let t = 0;
  for (const [dx, dy] of path) {
    t++;
    stepOracleMarks(venue, marks, t, dx, dy);
    onTick(t);
  }
}

/**
 * One tick of a test's oracle-marked price path: each mark moved by its return, rounded and kept
 * within [2, 399] and [2, 199]; the oracle prices set, the venue advanced to `t`, marks updated.
 */
function stepOracleMarks(venue: Venue, marks: number[], t: number, dx: number, dy: number): void {
  marks[0] = Math.max(2, Math.min(399, Math.round(marks[0] * (1 + dx))));
  marks[1] = Math.max(2, Math.min(199, Math.round(marks[1] * (1 + dy))));
  venue.setOraclePrice(0, marks[0]);
  venue.setOraclePrice(1, marks[1]);
  venue.advance(t);
  venue.updateMarks();
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

/** X at 100: initial 10%, maintenance 5%, above 2,000 notional 20% and 10%. */
export const TIERED_X: InstrumentSpec = {
  symbol: "X",
  initialPrice: 100,
  margin: {
    initial: 0.1,
    maintenance: 0.05,
    tiers: [{ notionalAbove: 2000, initial: 0.2, maintenance: 0.1 }],
  },
};

/**
 * X (TIERED_X) and Y (50, contract value 3); oracle marks; with `fees`, a 25 bps taker fee and no
 * maker fee.
 */
export function tieredXYVenue(fees: boolean): Venue {
  return new Venue({
    instruments: [TIERED_X, { symbol: "Y", initialPrice: 50, contractValue: 3 }],
    mark: { kind: "oracle" },
    ...(fees ? { fees: { makerBps: 0, takerBps: 25 } } : {}),
  });
}
