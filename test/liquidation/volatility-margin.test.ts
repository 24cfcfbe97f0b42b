import { presets } from "@cascade/liquidation";
import { BUY, type MarginVolatilitySpec, SELL, Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  conserved,
  deepMaker,
  engineFor,
  expectBoundedMatchesFullScan,
  open,
  setMarks,
  TIERED_X,
  walkPath,
} from "./helpers.js";

/** X (TIERED_X) and Y (50) with volatility-linked margins; oracle marks; a deep margin-exempt maker. */
function volatileWorld(
  vx: MarginVolatilitySpec,
  vy: MarginVolatilitySpec,
  positions: Array<[number, number, number]>,
) {
  const venue = new Venue({
    instruments: [
      { ...TIERED_X, margin: { ...TIERED_X.margin!, volatility: vx } },
      { symbol: "Y", initialPrice: 50, margin: { initial: 0.1, maintenance: 0.05, volatility: vy } },
    ],
    mark: { kind: "oracle" },
  });
  const maker = deepMaker(venue);
  const traders: number[] = [];
  for (const [qx, qy, marginFrac] of positions) {
    const a = venue.openAccount("trader");
    venue.deposit(a, Math.ceil((Math.abs(qx) * 101 + Math.abs(qy) * 51) * marginFrac) + 10);
    for (const [i, q] of [
      [0, qx],
      [1, qy],
    ])
      if (q !== 0)
        venue.submit({
          account: a,
          instrument: i,
          side: q > 0 ? BUY : SELL,
          quantity: Math.abs(q),
          type: "market",
        });
    traders.push(a);
  }
  return { venue, traders, maker };
}

const volArb: fc.Arbitrary<MarginVolatilitySpec> = fc.record({
  windowTicks: fc.integer({ min: 1, max: 4 }),
  everyTicks: fc.integer({ min: 1, max: 3 }),
  reference: fc.double({ min: 0.002, max: 0.03, noNaN: true }),
  maxMultiplier: fc.double({ min: 1, max: 6, noNaN: true }),
});
const lots = fc.integer({ min: -40, max: 40 });
const positionsArb = fc.array(fc.tuple(lots, lots, fc.double({ min: 0.25, max: 0.9, noNaN: true })), {
  minLength: 2,
  maxLength: 8,
});
const stepArb = fc.double({ min: -0.04, max: 0.04, noNaN: true });
const pathArb = fc.array(fc.tuple(stepArb, stepArb), { minLength: 1, maxLength: 20 });

describe("the liquidation engine with volatility-linked margins", () => {
  test("margin-calls an account whose rates rose on a tick its mark did not move past any bound", () => {
    // window 2, reviewed every tick, reference 0.5%: a 4% swing and back quadruples the rates
    const vol = { windowTicks: 2, everyTicks: 1, reference: 0.005, maxMultiplier: 4 };
    const venue = new Venue({
      instruments: [
        { symbol: "X", initialPrice: 100, margin: { initial: 0.125, maintenance: 0.0625, volatility: vol } },
      ],
      mark: { kind: "oracle" },
    });
    const mk = deepMaker(venue);
    const a = venue.openAccount("trader");
    venue.deposit(a, 700);
    open(venue, a, mk, 0, 50, 100); // equity 700, maintenance 312.5 at the base rates
    const e = engineFor(venue, presets.fullClose({ maxSlippage: 1 }));
    const called: number[] = [];
    e.marginCalls$.subscribe((c) => called.push(c.tick));
    e.check(0); // pushes its bound: the mark must fall below ~92 to reach the base maintenance
    venue.advance(1);
    setMarks(venue, [104]);
    e.check(1);
    venue.advance(2);
    setMarks(venue, [100]); // the review: multiplier 4, maintenance 5,000 x 0.25 = 1,250 > 700
    expect(venue.marginMultiplier(0)).toBe(4);
    expect(venue.isLiquidatable(a)).toBe(true);
    e.check(2);
    expect(called).toEqual([2]);
    expect(venue.position(a, 0)).toBe(0);
    expect(conserved(venue)).toBe(true);
  });

  test("the bounded check finds exactly the accounts a full scan finds (rates changing with volatility)", () => {
    fc.assert(
      fc.property(volArb, volArb, positionsArb, pathArb, fc.boolean(), (vx, vy, positions, path, hf) => {
        const w = volatileWorld(vx, vy, positions);
        expectBoundedMatchesFullScan(w.venue, w.traders, path, hf);
      }),
      { numRuns: 300 },
    );
  });

  test("cash and positions are conserved exactly through liquidations under changing rates", () => {
    const policies = [
      () => presets.fullClose({ maxSlippage: 1 }),
      () => presets.closeFactor({ maxSlippage: 1 }),
      () => presets.tieredPartial({ maxSlippage: 0.1, insuranceFund: 100 }),
      () => presets.backstopVault({ capital: 500 }),
      () =>
        presets.fullClose({ execution: { kind: "sliced", slices: 3, maxSlippage: 1 }, whenFundEmpty: "adl" }),
    ];
    fc.assert(
      fc.property(
        volArb,
        positionsArb,
        pathArb,
        fc.integer({ min: 0, max: policies.length - 1 }),
        (vx, positions, path, k) => {
          const w = volatileWorld(vx, vx, positions);
          const engine = engineFor(w.venue, policies[k]());
          walkPath(w.venue, path, (t) => {
            engine.check(t);
            expect(w.venue.totalCash()).toBe(w.venue.totalDeposits);
            expect(w.venue.totalPosition(0)).toBe(0);
            expect(w.venue.totalPosition(1)).toBe(0);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  test("a short is margin-called too when the rates rise under it", () => {
    const vol = { windowTicks: 1, everyTicks: 1, reference: 0.01, maxMultiplier: 5 };
    const venue = new Venue({
      instruments: [
        { symbol: "X", initialPrice: 100, margin: { initial: 0.1, maintenance: 0.05, volatility: vol } },
      ],
      mark: { kind: "oracle" },
    });
    const mk = deepMaker(venue);
    const a = venue.openAccount("short");
    venue.deposit(a, 500);
    open(venue, a, mk, 0, -50, 100); // initial 5,000 x 0.1 = 500: all its cash
    const e = engineFor(venue, presets.fullClose({ maxSlippage: 1 }));
    e.check(0);
    venue.advance(1);
    // a 3% fall helps the short (equity 650) but sets the multiplier to ln(100 / 97) / 0.01 ~ 3.05:
    // maintenance 4,850 x 0.05 x 3.05 ~ 739.
    setMarks(venue, [97]);
    expect(venue.marginMultiplier(0)).toBeCloseTo(Math.abs(Math.log(0.97)) / 0.01, 12);
    expect(venue.isLiquidatable(a)).toBe(true);
    const calls: number[] = [];
    e.marginCalls$.subscribe((c) => calls.push(c.account));
    e.check(1);
    expect(calls).toEqual([a]);
    expect(venue.position(a, 0)).toBe(0);
    expect(conserved(venue)).toBe(true);
  });
});
