import {
  BUY,
  type InstrumentSpec,
  initialMargin,
  type MarginSpec,
  maintenanceMargin,
  SELL,
  scaledMargin,
  Venue,
  validateMargin,
} from "@cascade/market";
import { describe, expect, it } from "vitest";
import { expectCode } from "./venue-helpers.js";

const VOL = { windowTicks: 3, everyTicks: 2, reference: 0.01, maxMultiplier: 3 };

/** X with oracle marks and a volatility-linked margin (binary-exact base rates). */
function volatileVenue(margin: MarginSpec = { initial: 0.125, maintenance: 0.0625, volatility: VOL }): Venue {
  return new Venue({
    instruments: [{ symbol: "X", initialPrice: 100, margin }],
    mark: { kind: "oracle" },
  });
}

/** One marks phase at oracle price `p` (tick t). */
function markAt(v: Venue, t: number, p: number): void {
  v.advance(t);
  v.setOraclePrice(0, p);
  v.updateMarks();
}

describe("volatility-linked margin: the multiplier", () => {
  it("matches a hand computation on a known path: 1 until the window fills, reviewed every 2nd mark, capped", () => {
    const v = volatileVenue();
    // marks 100 (initial), then 101, 99, 103, 103, 80, 80, 80, 80
    const path = [101, 99, 103, 103, 80, 80, 80, 80];
    const r = (a: number, b: number) => Math.log(b / a);
    const sig = (...xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    const clamp = (s: number) => Math.min(3, Math.max(1, s / 0.01));
    // n = 1: window not full; n = 2: not full (W = 3); n = 3: full but odd (every 2); n = 4: review
    const at4 = clamp(sig(r(101, 99), r(99, 103), r(103, 103)));
    // n = 6: review over r4, r5, r6 (103 -> 103 -> 80 -> 80): capped at 3
    const at6 = clamp(sig(r(103, 103), r(103, 80), r(80, 80)));
    // n = 8: r6..r8 all 0: back to the floor 1
    const expected = [1, 1, 1, at4, at4, at6, at6, 1];
    expect(at4).toBeGreaterThan(1);
    expect(at4).toBeLessThan(3);
    expect(at6).toBe(3);
    const got: number[] = [];
    const revisions: number[] = [];
    path.forEach((p, k) => {
      markAt(v, k + 1, p);
      got.push(v.marginMultiplier(0));
      revisions.push(v.marginRevision);
    });
    expect(got).toEqual(expected);
    // a revision per change of the multiplier (n = 4, 6, 8), none at the reviews that keep it
    expect(revisions).toEqual([0, 0, 0, 1, 1, 2, 2, 3]);
  });

  it("scales every rate (capped at 1) and keeps tiered requirements continuous", () => {
    const base = validateMargin("m", {
      initial: 0.25,
      maintenance: 0.125,
      tiers: [
        { notionalAbove: 1000, initial: 0.5, maintenance: 0.25 },
        { notionalAbove: 5000, initial: 0.75, maintenance: 0.5 },
      ],
    });
    const s = scaledMargin(base, 2);
    expect(s).toEqual({
      initial: 0.5,
      maintenance: 0.25,
      tiers: [
        { notionalAbove: 1000, initial: 1, maintenance: 0.5 },
        { notionalAbove: 5000, initial: 1, maintenance: 1 },
      ],
    });
    // continuous at each boundary, and exactly twice the base requirement below the cap
    for (const n of [1000, 5000]) {
      expect(maintenanceMargin(s, n + 1e-6) - maintenanceMargin(s, n)).toBeLessThan(1e-5);
      expect(initialMargin(s, n + 1e-6) - initialMargin(s, n)).toBeLessThan(1e-5);
    }
    expect(maintenanceMargin(s, 3000)).toBe(2 * maintenanceMargin(base, 3000));
    // at 1 the spec itself: no new doubles, the fixed-margin path unchanged
    expect(scaledMargin(base, 1)).toBe(base);
  });

  it("requirements, the health factor and the pre-trade check use the rates in force", () => {
    const v = volatileVenue();
    const mm = v.openAccount("mm", { marginExempt: true });
    v.deposit(mm, 1_000_000);
    const a = v.openAccount("trader");
    v.deposit(a, 3_000);
    v.submit({ account: mm, instrument: 0, side: SELL, quantity: 1000, type: "limit", price: 100 });
    expect(v.submit({ account: a, instrument: 0, side: BUY, quantity: 40, type: "market" }).filled).toBe(40);
    // base rates: 41 more lots need initial 0.125 x 8,100 = 1,012.5 <= 3,000: allowed
    expect(v.marginAllows(a, 0, BUY, 41, 100)).toBe(true);
    expect(v.maxOrderQuantity(a, 0, BUY, 100)).toBe(200);
    // a volatile path that ends back at 100 (the account's equity unchanged): the n = 4 review
    // reads r2..r4 = ln(98/102), ln(102/98), ln(100/102), sigma ~ 0.035: multiplier 3 (the cap)
    for (const [t, p] of [
      [1, 102],
      [2, 98],
      [3, 102],
      [4, 100],
    ])
      markAt(v, t, p);
    expect(v.marginMultiplier(0)).toBe(3);
    expect(v.marginOf(0)).toEqual({ initial: 0.375, maintenance: 0.1875 });
    expect(v.instruments[0].margin.initial).toBe(0.125);
    expect(v.equity(a)).toBe(3_000);
    expect(v.maintenanceRequirement(a)).toBe(4_000 * 0.1875);
    expect(v.initialRequirement(a)).toBe(4_000 * 0.375);
    // 80 lots x 100 x 0.375 = 3,000 = equity: 40 more pass, 41 do not
    expect(v.maxOrderQuantity(a, 0, BUY, 100)).toBe(40);
    expect(v.marginAllows(a, 0, BUY, 40, 100)).toBe(true);
    expect(v.marginAllows(a, 0, BUY, 41, 100)).toBe(false);
    const e = expectCode(
      () => v.submit({ account: a, instrument: 0, side: BUY, quantity: 41, type: "limit", price: 100 }),
      "INSUFFICIENT_MARGIN",
    );
    expect(e.message).toContain("worst-case initial requirement");
  });

  it("puts an account under maintenance with no price move, and liquidatable reads it", () => {
    const v = volatileVenue({
      initial: 0.125,
      maintenance: 0.0625,
      volatility: { windowTicks: 2, everyTicks: 1, reference: 0.005, maxMultiplier: 4 },
    });
    const mm = v.openAccount("mm", { marginExempt: true });
    v.deposit(mm, 1_000_000);
    const a = v.openAccount("trader");
    v.deposit(a, 700);
    v.submit({ account: mm, instrument: 0, side: SELL, quantity: 1000, type: "limit", price: 100 });
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 50, type: "market" });
    expect(v.isLiquidatable(a)).toBe(false);
    markAt(v, 1, 104);
    markAt(v, 2, 100); // r = ln(1.04), ln(1/1.04): sigma ~ 0.0392, multiplier 4 (capped)
    expect(v.marginMultiplier(0)).toBe(4);
    // equity 700 at 100, maintenance 5,000 x 0.25 = 1,250
    expect(v.equity(a)).toBe(700);
    expect(v.maintenanceRequirement(a)).toBe(1_250);
    expect(v.isLiquidatable(a)).toBe(true);
    expect(v.healthFactor(a)).toBeLessThan(1);
    expect(v.distanceToLiquidation(a)).toBe(0);
  });

  it("without margin.volatility: the spec's own object, multiplier 1, no revision", () => {
    const v = new Venue({ instruments: [{ symbol: "X", initialPrice: 100 }], mark: { kind: "oracle" } });
    for (const [t, p] of [
      [1, 150],
      [2, 50],
      [3, 150],
    ])
      markAt(v, t, p);
    expect(v.marginOf(0)).toBe(v.instruments[0].margin);
    expect(v.marginMultiplier(0)).toBe(1);
    expect(v.marginRevision).toBe(0);
  });
});

describe("volatility-linked margin: validation names the field, the value and what is allowed", () => {
  const spec = (volatility: unknown): InstrumentSpec =>
    ({
      symbol: "X",
      initialPrice: 100,
      margin: { initial: 0.1, maintenance: 0.05, volatility },
    }) as InstrumentSpec;
  const cases: Array<[unknown, string, string]> = [
    [null, "instruments.0.margin.volatility", "{ windowTicks, everyTicks, reference, maxMultiplier }"],
    [
      { ...VOL, windowTicks: 0 },
      "instruments.0.margin.volatility.windowTicks",
      "an integer number of ticks in [1, ",
    ],
    [
      { ...VOL, windowTicks: 2.5 },
      "instruments.0.margin.volatility.windowTicks",
      "an integer number of ticks",
    ],
    [
      { ...VOL, everyTicks: -1 },
      "instruments.0.margin.volatility.everyTicks",
      "how often the multiplier is reviewed",
    ],
    [
      { ...VOL, reference: 0 },
      "instruments.0.margin.volatility.reference",
      "a finite volatility per tick > 0",
    ],
    [{ ...VOL, reference: Number.NaN }, "instruments.0.margin.volatility.reference", "> 0"],
    [{ ...VOL, maxMultiplier: 0.5 }, "instruments.0.margin.volatility.maxMultiplier", "a finite number >= 1"],
    [{ ...VOL, maxMultiplier: undefined }, "instruments.0.margin.volatility.maxMultiplier", ">= 1"],
  ];
  it.each(cases)("%j", (vol, field, allowed) => {
    const e = expectCode(() => new Venue({ instruments: [spec(vol)] }), "INVALID_CONFIG");
    expect(e.field).toBe(field);
    expect(e.allowed).toContain(allowed);
  });

  it("keeps a valid rule on the instrument's spec, and no key without one", () => {
    const v = new Venue({ instruments: [spec(VOL), { symbol: "Y", initialPrice: 10 }] });
    expect(v.instruments[0].margin).toEqual({ initial: 0.1, maintenance: 0.05, volatility: VOL });
    expect(Object.keys(v.instruments[1].margin)).toEqual(["initial", "maintenance"]);
  });
});
