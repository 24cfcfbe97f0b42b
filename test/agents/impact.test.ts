import { baselinePopulations, metaOrderImpact } from "@cascade/agents";
import { CascadeError, Rng, RunLoop } from "@cascade/core";
import { BUY, connectVenue, SELL, Venue } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { makeMarket } from "./helpers.js";

const START = 100;

/**
 * A book of `depth(k)` lots at k ticks from 100,000 on each side, 600 levels, and 1 lot of
 * volume a tick up to START that leaves it as it was (a taker lifts 1 lot of the best ask, the
 * maker puts it back): nothing but the meta-order moves its mid.
 */
function staticBook(depth: (k: number) => number) {
  return (seed: number) => {
    const loop = new RunLoop({ rng: Rng.fromSeed(seed).split("loop") });
    const venue = new Venue({ instruments: [{ symbol: "X", initialPrice: 100_000 }] });
    connectVenue(loop, venue);
    const maker = venue.openAccount("maker", { marginExempt: true });
    const taker = venue.openAccount("taker", { marginExempt: true });
    for (let k = 1; k <= 600; k++) {
      const quantity = depth(k);
      venue.submit({ account: maker, instrument: 0, side: BUY, quantity, type: "limit", price: 100_000 - k });
      venue.submit({
        account: maker,
        instrument: 0,
        side: SELL,
        quantity,
        type: "limit",
        price: 100_000 + k,
      });
    }
    loop.on("agents", (tick) => {
      if (tick > START) return;
      const ask = venue.book(0).bestAsk();
      venue.submit({ account: taker, instrument: 0, side: BUY, quantity: 1, type: "market" });
      venue.submit({ account: maker, instrument: 0, side: SELL, quantity: 1, type: "limit", price: ask });
    });
    return { loop, venue };
  };
}

const bookSizes = [1, 2, 5, 10, 20, 50];

describe("metaOrderImpact on books of known shape", () => {
  it("a flat book (20 lots a tick) gives linear impact: exponent 1", () => {
    const r = metaOrderImpact({
      market: staticBook(() => 20),
      seeds: [1],
      sizes: bookSizes,
      start: START,
      duration: START,
      slices: 10,
    });
    expect(r.volumes).toEqual([START]);
    expect(r.lots).toEqual([bookSizes.map((s) => s * START)]);
    expect(r.unfilled).toBe(0);
    // 5,000 lots sweep 250 levels: the ask ends 251 ticks up, the mid 125 ticks (the bid stays)
    expect(r.impacts[0][5]).toBeCloseTo(125 / 100_000, 12);
    expect(r.exponent).toBeGreaterThan(0.95);
    expect(r.exponent).toBeLessThan(1.05);
  });

  it("a book whose depth grows with the distance from the mid (k lots at k ticks) gives square-root impact: exponent 0.5", () => {
    // The latent order book of Toth et al. (2011): Q lots reach sqrt(2Q) ticks.
    const r = metaOrderImpact({
      market: staticBook((k) => k),
      seeds: [1],
      sizes: bookSizes,
      start: START,
      duration: START,
      slices: 10,
    });
    expect(r.unfilled).toBe(0);
    expect(r.exponent).toBeGreaterThan(0.45);
    expect(r.exponent).toBeLessThan(0.55);
  });

  it("bad options are refused by name before any run", () => {
    let built = 0;
    const market = (seed: number) => {
      built++;
      return staticBook(() => 20)(seed);
    };
    const base = { market, seeds: [1], sizes: [1, 2], start: START, duration: START, slices: 10 };
    const bad: Array<[Partial<typeof base> | Record<string, unknown>, RegExp]> = [
      [
        { sizes: [1, 0] },
        /^metaOrderImpact rejected: sizes\.1 = 0; allowed: a finite fraction of the volume > 0$/,
      ],
      [{ sizes: [1] }, /sizes = \[1\]; allowed: an array of at least 2 sizes/],
      [{ seeds: [] }, /seeds = \[\]; allowed: a non-empty array of seeds/],
      [{ start: 50 }, /start = 50; allowed: an integer in \[100, /],
      [{ slices: 101 }, /slices = 101; allowed: an integer in \[1, 100\]/],
      [{ duration: 2.5 }, /duration = 2\.5; allowed: an integer/],
      [{ market: 3 }, /market = 3; allowed: a function/],
    ];
    for (const [change, message] of bad) {
      const call = () => metaOrderImpact({ ...base, ...change } as Parameters<typeof metaOrderImpact>[0]);
      expect(call).toThrow(CascadeError);
      expect(call).toThrow(message);
    }
    expect(built).toBe(0);
    expect(() => metaOrderImpact({ ...base, instrument: 1 })).toThrow(
      /instrument = 1; allowed: an instrument id in \[0, 0\]/,
    );
    const ran = (seed: number) => {
      const m = staticBook(() => 20)(seed);
      m.loop.run(5);
      return m;
    };
    expect(() => metaOrderImpact({ ...base, market: ran })).toThrow(
      /^metaOrderImpact rejected: market\(1\)\.loop\.now = 5; allowed: 0 \(a fresh market, not yet run\)$/,
    );
  });
});

describe("the square-root impact law on the baseline market", () => {
  const baseline = (seed: number) =>
    makeMarket({
      seed,
      fundamentals: { kind: "meanReverting", volatility: 5e-6, meanReversion: 1e-4 },
      populations: baselinePopulations(),
    });
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];

  it("does not hold: impact grows linearly with the meta-order's size (exponent ~1, not ~0.5)", () => {
    // 5,000 ticks of execution in 50 market-order slices, after 10,000 ticks of warm-up; sizes are
    // fractions of the volume of the 5,000 ticks before. Below ~20% the impact is under a tick (0.1 bp
    // at 100,000) and not resolved from the market's own moves (packages/agents/README.md).
    const sizes = [0.25, 1, 4];
    const r = metaOrderImpact({ market: baseline, seeds, sizes, start: 10_000, duration: 5_000, slices: 50 });
    expect(r.unfilled).toBe(0);
    for (const v of r.volumes) expect(v).toBeGreaterThan(300);
    // in every seed an impact of the order's sign, growing with its size about linearly: the slope
    // from the smallest size to the largest (16 times it) is above 0.75 (a square-root book: 0.5)
    for (const row of r.impacts) {
      expect(row[0]).toBeGreaterThan(0);
      expect(Math.log(row[2] / row[0]) / Math.log(16)).toBeGreaterThan(0.75);
    }
    expect(r.exponent).toBeGreaterThan(0.85);
    expect(r.exponent).toBeLessThan(1.25);
    // the period's volume moves the mid ~1 bp (10 ticks at 100,000)
    expect(r.meanImpact[1]).toBeGreaterThan(0.5e-4);
    expect(r.meanImpact[1]).toBeLessThan(2e-4);
  });
});
