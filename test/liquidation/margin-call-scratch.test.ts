/**
 * A margin call works on scratch: the liquidation's copies of the holdings and their ordering, the
 * amount rule's context and its plan are reused from one margin call to the next (nothing keeps
 * them past the step), and the margin-call event is made only for subscribers, who keep it.
 */
import {
  type Holding,
  type MarginCall,
  type OrderingSpec,
  orderHoldings,
  presets,
} from "@cascade/liquidation";
import type { Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortHoldings } from "../../packages/liquidation/src/policy.js";
import { allocatedBytes } from "../allocation.js";
import { engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

const orderings: OrderingSpec[] = ["largestNotional", "mostLiquid", "worstPnl", "proRata"];

describe("sortHoldings (the engine's ordering in place)", () => {
  it("orders by the documented keys, ties by instrument, for every ordering (orderHoldings too)", () => {
    // few distinct values, so keys tie often; depth and PnL read from a stub venue
    const holding = fc.record({
      q: fc.integer({ min: -3, max: 3 }).filter((q) => q !== 0),
      mark: fc.constantFrom(10, 20, 40),
      cv: fc.constantFrom(1, 2),
      depth: fc.integer({ min: 0, max: 3 }),
      pnl: fc.integer({ min: -2, max: 2 }),
    });
    fc.assert(
      fc.property(
        fc.array(holding, { minLength: 0, maxLength: 8 }),
        fc.constantFrom(...orderings),
        (specs, ordering) => {
          const hs: Holding[] = specs.map((s, i) => ({
            instrument: i,
            q: s.q,
            mark: s.mark,
            cv: s.cv,
            notional: Math.abs(s.q) * s.mark * s.cv,
            rate: 0.05,
            amount: 0,
          }));
          const venue = {
            book: (i: number) => ({ depthWithin: () => specs[i].depth }),
            unrealizedPnl: (_a: number, i: number) => specs[i].pnl,
          } as unknown as Venue;
          // the engine hands them over in instrument order; here in any order
          const shuffled = [...hs].reverse();
          // the documented keys (policy.ts's header of the ordering section), ties by instrument
          const key = (h: Holding) => {
            const s = specs[h.instrument];
            if (ordering === "largestNotional") return -h.notional;
            if (ordering === "mostLiquid") return -s.depth * h.mark * h.cv;
            if (ordering === "worstPnl") return s.pnl;
            return 0;
          };
          const expected = [...hs].sort((a, b) => key(a) - key(b) || a.instrument - b.instrument);
          expect(orderHoldings(ordering, shuffled, venue, 7)).toEqual(expected);
          expect(shuffled).toEqual([...hs].reverse()); // orderHoldings leaves its input as it was
          const sorted = [...shuffled];
          sortHoldings(ordering, sorted, venue, 7, new Float64Array(sorted.length));
          expect(sorted).toEqual(expected);
          expect(sorted.map((h) => h.instrument)).toEqual(expected.map((h) => h.instrument));
        },
      ),
      { numRuns: 500, seed: 27 },
    );
  });
});

/**
 * 20 margin-exempt traders long 100 X (at 100, on 600 of cash) and short 10 Y: X at 96 puts them
 * below maintenance, and with no bids within the 1% bound every check margin-calls each of them
 * again (whileLiquidating "free"), sweeping nothing.
 */
function stuckTraders(ordering: OrderingSpec, rule: "fullClose" | "closeFactor" = "fullClose") {
  const venue = twoAssetVenue();
  const m = maker(venue);
  const traders: number[] = [];
  for (let k = 0; k < 20; k++) {
    const a = venue.openAccount(`t${k}`, { marginExempt: true });
    venue.deposit(a, 600);
    open(venue, a, m, 0, 100, 100);
    open(venue, a, m, 1, -10, 50);
    traders.push(a);
  }
  const e = engineFor(venue, presets[rule]({ maxSlippage: 0.01, whileLiquidating: "free", ordering }));
  setMarks(venue, [96, 50]);
  return { venue, e, traders };
}

describe("a margin call allocates only what it hands on", () => {
  // the two kinds of sort key: the holding's own (notional) and the venue's (book depth); and a
  // partial rule whose penalty goes to the liquidator (its sweeps collect the makers they met)
  it.each([
    ["fullClose", "largestNotional"],
    ["fullClose", "mostLiquid"],
    ["closeFactor", "largestNotional"],
  ] as const)(
    "%s, %s: no copies of the holdings, no ordering arrays, no plan or context, no event without subscribers",
    (rule, ordering) => {
      const { venue, e, traders } = stuckTraders(ordering, rule);
      let tick = 0;
      const ticks = 200;
      for (let k = 0; k < 5 * ticks; k++) {
        venue.advance(++tick);
        e.check(tick);
      } // warm: optimized code
      const calls0 = e.stats().marginCalls;
      const bytes = allocatedBytes(() => {
        for (let k = 0; k < ticks; k++) {
          venue.advance(++tick);
          e.check(tick);
        }
      });
      expect(e.stats().marginCalls - calls0).toBe(ticks * traders.length);
      expect(e.records.length).toBe(0);
      // 19 to 35 bytes per margin call measured (mostLiquid 48 to 88, closeFactor 81 to 96: numbers
      // boxed while code is not yet optimized). closeFactor (its penalty to the liquidator) cleared
      // the sweep's makers Map before each sweep, a new table even when empty: 370. Before: the plan (its array and two items, ~220 bytes) and the amount
      // rule's context (~200), 418 (mostLiquid 451); before that 2,118, of which the ordering's sort
      // 865, its keyed entries and arrays 683, the copies of the holdings 288 and the event 65.
      expect(bytes / (ticks * traders.length)).toBeLessThan(150);
    },
  );

  it("hands each subscriber an event of its own, still valid after later margin calls", () => {
    const { venue, e, traders } = stuckTraders("largestNotional");
    const events: MarginCall[] = [];
    e.marginCalls$.subscribe((c) => events.push(c));
    for (let t = 1; t <= 3; t++) {
      venue.advance(t);
      e.check(t);
    }
    expect(events.length).toBe(3 * traders.length);
    expect(new Set(events).size).toBe(events.length);
    const equity = venue.equity(traders[0]);
    const maintenance = venue.maintenanceRequirement(traders[0]);
    for (let k = 0; k < events.length; k++) {
      expect(events[k]).toEqual({
        tick: 1 + Math.floor(k / traders.length),
        account: traders[k % traders.length],
        equity,
        maintenance,
      });
    }
  });
});
