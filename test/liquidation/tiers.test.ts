import { presets } from "@cascade/liquidation";
import { BUY, type MarginSpec, SELL, Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  bid,
  deepMaker,
  engine,
  expectBoundedMatchesFullScan,
  maker,
  open,
  setMarks,
  twoAssetVenue,
} from "./helpers.js";

/** The Binance formula, written out independently of the venue: notional x rate_k - amount_k. */
function binanceMaintenance(m: MarginSpec, notional: number): number {
  const rates = [m.maintenance, ...(m.tiers ?? []).map((t) => t.maintenance)];
  const floors = [0, ...(m.tiers ?? []).map((t) => t.notionalAbove)];
  let k = 0;
  while (k + 1 < floors.length && notional > floors[k + 1]) k++;
  let amount = 0;
  for (let j = 1; j <= k; j++) amount += floors[j] * (rates[j] - rates[j - 1]);
  return notional * rates[k] - amount;
}

describe("a long at a tier boundary", () => {
  test("is not made liquidatable by a price rise alone (it was when the tier rate applied to all of it)", () => {
    // above 10,000 notional the maintenance rate jumps from 5% to 50%
    const v = twoAssetVenue({}, [
      {
        symbol: "X",
        initialPrice: 100,
        maxPrice: 400,
        margin: {
          initial: 0.1,
          maintenance: 0.05,
          tiers: [{ notionalAbove: 10_000, initial: 0.5, maintenance: 0.5 }],
        },
      },
      { symbol: "Y", initialPrice: 50 },
    ]);
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const a = v.openAccount("trader");
    v.deposit(a, 1_200);
    open(v, a, mk, 0, 100, 100); // notional 10,000: exactly at the boundary
    const { engine: e } = engine(v, presets.fullClose());
    const calls: number[] = [];
    e.marginCalls$.subscribe((c) => calls.push(c.tick));
    let t = 0;
    for (let mark = 100; mark <= 200; mark++) {
      setMarks(v, [mark, 50]);
      v.advance(++t);
      e.check(t);
      // equity 100 mark - 8,800 against 100 mark x 0.5 - 10,000 x 0.45 above the boundary
      expect(v.isLiquidatable(a)).toBe(false);
    }
    expect(v.maintenanceRequirement(a)).toBeCloseTo(20_000 * 0.5 - 4_500, 6);
    expect(calls).toEqual([]);
    // a fall still liquidates it: equity 95 mark - 8,800 < 0 below mark 92.6
    bid(v, mk, 0, 100, 91);
    setMarks(v, [92, 50]);
    v.advance(++t);
    e.check(t);
    expect(calls).toEqual([t]);
  });
});

// X and Y with steep brackets, so moves of a few percent cross several of them.
const X_MARGIN: MarginSpec = {
  initial: 0.05,
  maintenance: 0.02,
  tiers: [
    { notionalAbove: 1500, initial: 0.15, maintenance: 0.1 },
    { notionalAbove: 3000, initial: 0.4, maintenance: 0.25 },
    { notionalAbove: 6000, initial: 0.8, maintenance: 0.5 },
  ],
};
const Y_MARGIN: MarginSpec = {
  initial: 0.1,
  maintenance: 0.05,
  tiers: [{ notionalAbove: 1000, initial: 0.3, maintenance: 0.2 }],
};

/** Traders with positions (qx, qy) and a deposit of marginFrac x gross; a deep margin-exempt maker. */
function tieredWorld(positions: Array<[number, number, number]>): { venue: Venue; traders: number[] } {
  const venue = new Venue({
    instruments: [
      { symbol: "X", initialPrice: 100, margin: X_MARGIN },
      { symbol: "Y", initialPrice: 50, margin: Y_MARGIN },
    ],
    mark: { kind: "oracle" },
  });
  deepMaker(venue);
  const traders = positions.map(([qx, qy, marginFrac]) => {
    const a = venue.openAccount("trader");
    venue.deposit(a, Math.ceil((Math.abs(qx) * 101 + Math.abs(qy) * 51) * marginFrac) + 10);
    for (const [i, q] of [
      [0, qx],
      [1, qy],
    ]) {
      if (q !== 0)
        venue.submit({
          account: a,
          instrument: i,
          side: q > 0 ? BUY : SELL,
          quantity: Math.abs(q),
          type: "market",
        });
    }
    return a;
  });
  return { venue, traders };
}

const lots = fc.integer({ min: -40, max: 40 });
/** Per-tick mark moves, small and large: a position can fall or grow through several brackets between checks. */
const move = fc.oneof(
  fc.double({ min: -0.05, max: 0.05, noNaN: true }),
  fc.double({ min: -0.35, max: 0.35, noNaN: true }),
);
const moves = fc.array(fc.tuple(move, move), { minLength: 1, maxLength: 20 });

describe("the bounded check with size tiers", () => {
  test("never skips an account a full scan finds liquidatable (maintenance and health-factor triggers)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(lots, lots, fc.double({ min: 0.25, max: 0.6, noNaN: true })), {
          minLength: 2,
          maxLength: 8,
        }),
        moves,
        fc.boolean(),
        (positions, path, hf) => {
          const { venue, traders } = tieredWorld(positions);
          // and the venue's maintenance is the Binance formula at every step
          expectBoundedMatchesFullScan(venue, traders, path, hf, (a, marks) => {
            const nx = Math.abs(venue.position(a, 0)) * marks[0];
            const ny = Math.abs(venue.position(a, 1)) * marks[1];
            const maint = binanceMaintenance(X_MARGIN, nx) + binanceMaintenance(Y_MARGIN, ny);
            expect(venue.maintenanceRequirement(a)).toBeCloseTo(maint, 6);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
