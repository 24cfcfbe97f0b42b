import {
  buildPopulation,
  correlationFactor,
  type FundamentalSpec,
  Fundamentals,
  leveragedTraders,
  momentumTraders,
  noiseTraders,
  stylizedFacts,
  validatePopulationSpec,
} from "@cascade/agents";
import { ValidationError } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { makeMarket } from "./helpers.js";

function err(f: () => unknown): ValidationError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("validatePopulationSpec", () => {
  it("accepts builder output and plain data, constants and distributions", () => {
    expect(
      validatePopulationSpec(
        "p",
        noiseTraders({ count: 1000, orderSize: { dist: "uniformInt", min: 1, max: 5 } }),
      ).kind,
    ).toBe("noise");
    expect(
      validatePopulationSpec("p", {
        kind: "leveraged",
        count: 10,
        leverage: { dist: "uniform", min: 2, max: 50 },
        capital: 1e6,
        crowding: 1,
      }).kind,
    ).toBe("leveraged");
  });

  it("names the path, the value and what is allowed", () => {
    const e = err(() =>
      validatePopulationSpec(
        "populations.2",
        leveragedTraders({ count: 3, capital: 1e6, leverage: { dist: "uniform", min: 2, max: 5000 } }),
      ),
    );
    expect(e.field).toBe("populations.2.leverage.max");
    expect(e.value).toBe(5000);
    expect(e.message).toContain("populations.2.leverage.max = 5000");
    expect(e.message).toContain("allowed:");
    expect(err(() => validatePopulationSpec("p", { kind: "whale", count: 1 })).field).toBe("p.kind");
    expect(err(() => validatePopulationSpec("p", { kind: "noise", count: -1 })).field).toBe("p.count");
    expect(err(() => validatePopulationSpec("p", { kind: "noise", count: 1, sizee: 3 })).field).toBe(
      "p.sizee",
    );
    expect(err(() => validatePopulationSpec("p", { kind: "leveraged", count: 1, leverage: 3 })).field).toBe(
      "p.capital",
    );
    expect(
      err(() =>
        validatePopulationSpec("p", { kind: "leveraged", count: 1, leverage: 3, capital: 1, crowding: 1.5 }),
      ).field,
    ).toBe("p.crowding");
    expect(
      err(() => validatePopulationSpec("p", { kind: "noise", count: 1, activation: { poissonRate: 0 } }))
        .field,
    ).toBe("p.activation.poissonRate");
    expect(
      err(() => validatePopulationSpec("p", { kind: "noise", count: 1, activation: { every: 1, jitter: 2 } }))
        .field,
    ).toBe("p.activation.jitter");
    // an activation of a misspelt kind names the nearest one
    expect(
      err(() => validatePopulationSpec("p", { kind: "noise", count: 1, activation: { poisson: 0.1 } }))
        .message,
    ).toBe(
      'invalid experiment: p.activation = {"poisson":0.1}; allowed: "onEvent" or one of { every: Dist, offset?: Dist }, { poissonRate: Dist }, { once: Dist }; did you mean "poissonRate"?',
    );
    expect(err(() => validatePopulationSpec("p", { kind: "marketMaker", count: 1, levels: 2.5 })).field).toBe(
      "p.levels",
    );
    expect(
      err(() => validatePopulationSpec("p", { kind: "momentum", count: 1, shortWindow: 50, longWindow: 20 }))
        .field,
    ).toBe("p.shortWindow");
    expect(
      err(() => validatePopulationSpec("p", { kind: "noise", count: 1, instruments: ["X", 3] })).field,
    ).toBe("p.instruments.1");
  });

  it("a misspelt count is named as an unknown key with the nearest name, not as a missing count", () => {
    // marketMakers({ cont: 4 }) was refused as `count = undefined`, which hid the typo.
    const typo = err(() => validatePopulationSpec("populations.0", { kind: "marketMaker", cont: 4 }));
    expect(typo.field).toBe("populations.0.cont");
    expect(typo.code).toBe("UNKNOWN_KEY");
    expect(typo.message).toContain('did you mean "count"?');
    // without the typo, a missing count is still named
    expect(err(() => validatePopulationSpec("populations.0", { kind: "marketMaker" })).field).toBe(
      "populations.0.count",
    );
    const custom = err(() =>
      validatePopulationSpec("populations.4", {
        kind: "custom",
        name: "dipBuyer",
        cuont: 2,
        capital: 1,
        activation: { every: 1 },
        create: () => ({ act() {} }),
      }),
    );
    expect(custom.field).toBe("populations.4.cuont");
    expect(custom.message).toContain('did you mean "count"?');
    // and a misspelt kind names the nearest kind
    expect(err(() => validatePopulationSpec("p", { kind: "noize", count: 1 })).message).toBe(
      'invalid experiment: p.kind = "noize"; allowed: one of noise, fundamentalist, momentum, leveraged, marketMaker, liquidator, custom; did you mean "noise"?',
    );
  });

  it("momentum windows longer than the tape's moving averages (8,191 ticks) are refused, not silently capped", () => {
    // Capped, windows of 9,000 and 20,000 ticks were both the 8,191-tick average: no signal, ever.
    expect(
      err(() =>
        validatePopulationSpec("p", momentumTraders({ count: 1, shortWindow: 9000, longWindow: 20_000 })),
      ).field,
    ).toBe("p.shortWindow");
    expect(
      err(() => validatePopulationSpec("p", momentumTraders({ count: 1, longWindow: 8192 }))).field,
    ).toBe("p.longWindow");
    expect(
      err(() =>
        validatePopulationSpec(
          "p",
          momentumTraders({ count: 1, longWindow: { dist: "uniformInt", min: 100, max: 10_000 } }),
        ),
      ).field,
    ).toBe("p.longWindow.max");
    expect(
      validatePopulationSpec("p", momentumTraders({ count: 1, shortWindow: 8190, longWindow: 8191 })).kind,
    ).toBe("momentum");
  });

  it("momentum windows whose draws can overlap are refused at shortWindow, not swapped per agent", () => {
    // A short draw at or above the long one became (long - 1, short): the long window then took the
    // short distribution's values, unlike either distribution the experiment asked for.
    const refused = (p: Parameters<typeof momentumTraders>[0]) => err(() => validatePopulationSpec("p", p));
    const overlap = refused(
      momentumTraders({ count: 1, shortWindow: { dist: "uniformInt", min: 50, max: 150 } }),
    );
    expect(overlap.field).toBe("p.shortWindow");
    expect(overlap.message).toContain("100 ticks");
    expect(overlap.message).toContain("150");
    // A constant against the default long window (100..400).
    expect(refused(momentumTraders({ count: 1, shortWindow: 150 })).field).toBe("p.shortWindow");
    expect(refused(momentumTraders({ count: 1, shortWindow: 100 })).field).toBe("p.shortWindow");
    // Draws are rounded to whole ticks: 99.6 and 99.7 are both a 100-tick window.
    expect(
      refused(
        momentumTraders({
          count: 1,
          shortWindow: { dist: "uniform", min: 1, max: 99.6 },
          longWindow: { dist: "uniform", min: 99.7, max: 200 },
        }),
      ).field,
    ).toBe("p.shortWindow");
    expect(
      validatePopulationSpec(
        "p",
        momentumTraders({
          count: 1,
          shortWindow: { dist: "normal", mean: 30, sd: 20, min: 1, max: 99 },
          longWindow: { dist: "uniformInt", min: 100, max: 400 },
        }),
      ).kind,
    ).toBe("momentum");
    expect(validatePopulationSpec("p", momentumTraders({ count: 1, shortWindow: 99 })).kind).toBe("momentum");
  });

  it("momentum windows refused against a default say the window shown is the default", () => {
    // Only longWindow written: the value shown is shortWindow's default, which the file does not hold.
    const short = err(() => validatePopulationSpec("p", momentumTraders({ count: 1, longWindow: 30 })));
    expect(short.field).toBe("p.shortWindow");
    expect(short.message).toContain("shortWindow's default (not set)");
    expect(short.message).toContain("set shortWindow below 30");
    // Only shortWindow written: the long window it meets is the default.
    const long = err(() => validatePopulationSpec("p", momentumTraders({ count: 1, shortWindow: 150 })));
    expect(long.message).toContain("longWindow's default");
    expect(long.message).not.toContain("shortWindow's default");
  });

  it("a noise trader that could only cancel (limit and market weights both 0) is refused", () => {
    expect(
      err(() => validatePopulationSpec("p", { kind: "noise", count: 1, limitWeight: 0, marketWeight: 0 }))
        .field,
    ).toBe("p.limitWeight");
    // the default market weight keeps it trading; a weight drawn per agent that can be above 0 too
    expect(validatePopulationSpec("p", { kind: "noise", count: 1, limitWeight: 0 }).kind).toBe("noise");
    expect(
      validatePopulationSpec("p", {
        kind: "noise",
        count: 1,
        limitWeight: { dist: "uniform", min: 0, max: 0.1 },
        marketWeight: 0,
      }).kind,
    ).toBe("noise");
  });

  it("a leveraged population's instruments are distinct symbols", () => {
    // A repeated symbol drew that leg's weight twice, kept the last draw and normalised by both:
    // the weights summed to less than 1 and every trader held less than its target leverage.
    const spec = leveragedTraders({ count: 3, leverage: 2, capital: 1e6, instruments: ["A", "B", "A"] });
    const e = err(() => validatePopulationSpec("p", spec));
    expect(e.field).toBe("p.instruments.2");
    expect(e.value).toBe("A");
    // Single-instrument kinds take instruments[k % n]: a repeated symbol there weights the assignment.
    expect(validatePopulationSpec("p", noiseTraders({ count: 3, instruments: ["A", "A", "B"] })).kind).toBe(
      "noise",
    );
  });

  it("a constant activation period, offset or once tick must be an integer (as levels or maxOpenOrders)", () => {
    // Rounded silently before: every 2.5 woke every 3 ticks, once 100.5 at tick 101.
    const act = (activation: unknown) => () =>
      validatePopulationSpec("p", { kind: "noise", count: 1, activation });
    expect(err(act({ every: 2.5 })).field).toBe("p.activation.every");
    expect(err(act({ every: 10, offset: 0.5 })).field).toBe("p.activation.offset");
    expect(err(act({ once: 100.5 })).field).toBe("p.activation.once");
    expect(err(act({ once: 100.5 })).allowed).toContain("an integer");
    // Distributions are drawn per agent and rounded to ticks; integers pass.
    for (const ok of [
      { every: 3, offset: 1 },
      { once: 100 },
      { every: { dist: "uniform", min: 5, max: 10 } },
      { once: { dist: "uniform", min: 1, max: 300 } },
    ])
      expect(act(ok)().kind).toBe("noise");
  });

  it("buildPopulation rejects unknown instruments with the path", () => {
    const m = makeMarket();
    const e = err(() => buildPopulation(noiseTraders({ count: 2, instruments: ["NOPE"] }), m.ctx, 4));
    expect(e.field).toBe("populations.4.instruments.0");
  });

  it("draws parameters per agent from the agent's own stream", () => {
    const m = makeMarket();
    const pop = buildPopulation(
      noiseTraders({ count: 50, capital: { dist: "uniformInt", min: 1000, max: 1_000_000 } }),
      m.ctx,
      0,
    );
    const caps = pop.accounts.map((a) => m.venue.cash(a));
    expect(new Set(caps).size).toBeGreaterThan(40);
    const m2 = makeMarket();
    const pop2 = buildPopulation(
      noiseTraders({ count: 60, capital: { dist: "uniformInt", min: 1000, max: 1_000_000 } }),
      m2.ctx,
      0,
    );
    // adding agents does not change the first agents' draws
    expect(pop2.accounts.slice(0, 50).map((a) => m2.venue.cash(a))).toEqual(caps);
  });
});

describe("Fundamentals", () => {
  it("factors a positive definite matrix by Cholesky and a singular one through mathjs", () => {
    const product = (L: Float64Array, n: number) =>
      Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => {
          let s = 0;
          for (let k = 0; k < n; k++) s += L[i * n + k] * L[j * n + k];
          return s;
        }),
      );
    const expectClose = (got: number[][], want: number[][], digits: number) => {
      for (let i = 0; i < want.length; i++)
        for (let j = 0; j < want.length; j++) expect(got[i][j]).toBeCloseTo(want[i][j], digits);
    };
    const pd = [
      [1, 0.5, 0.3],
      [0.5, 1, -0.2],
      [0.3, -0.2, 1],
    ];
    const L = correlationFactor(pd);
    expect([L[1], L[2], L[5]]).toEqual([0, 0, 0]); // lower triangular: the Cholesky factor
    expect(L[0]).toBe(1);
    expect(L[3]).toBe(0.5);
    expectClose(product(L, 3), pd, 12);
    expect([
      ...correlationFactor([
        [1, 0],
        [0, 1],
      ]),
    ]).toEqual([1, 0, 0, 1]);
    // Perfectly correlated: semi-definite, no Cholesky factor; the eigen factor still reproduces it.
    const singular = [
      [1, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
    ];
    const E = correlationFactor(singular);
    expectClose(product(E, 3), singular, 9);
  });

  it("correlates shocks through the correlation factor and publishes the oracle price", () => {
    const c = [
      [1, 0.8, 0.2],
      [0.8, 1, 0.1],
      [0.2, 0.1, 1],
    ];
    const L = correlationFactor(c);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += L[i * 3 + k] * L[j * 3 + k];
        expect(s).toBeCloseTo(c[i][j], 9);
      }
    }
    const m = makeMarket({
      instruments: [
        { symbol: "A", initialPrice: 10_000 },
        { symbol: "B", initialPrice: 10_000 },
        { symbol: "C", initialPrice: 10_000 },
      ],
      fundamentals: { kind: "randomWalk", volatility: 0.001, correlation: c },
    });
    const prev = [0, 1, 2].map((i) => m.fundamentals.value(i));
    const r: number[][] = [[], [], []];
    m.loop.on("metrics", () => {
      for (let i = 0; i < 3; i++) {
        const v = m.fundamentals.value(i);
        r[i].push(Math.log(v / prev[i]));
        prev[i] = v;
        expect(m.venue.oraclePrice(i)).toBe(v);
      }
    });
    m.loop.run(4000);
    const corr = (a: number[], b: number[]) => stylizedCorr(a, b);
    expect(corr(r[0], r[1])).toBeGreaterThan(0.7);
    expect(corr(r[0], r[1])).toBeLessThan(0.9);
    expect(Math.abs(corr(r[1], r[2]) - 0.1)).toBeLessThan(0.08);
  });

  it("shock multiplies the value now; mean reversion pulls it back unless permanent", () => {
    const m = makeMarket({ fundamentals: { kind: "meanReverting", volatility: 0, meanReversion: 0.01 } });
    m.fundamentals.shock(0, -0.2);
    expect(m.fundamentals.value(0)).toBeCloseTo(80_000, 6);
    expect(m.venue.oraclePrice(0)).toBeCloseTo(80_000, 6);
    m.loop.run(500);
    expect(m.fundamentals.value(0)).toBeGreaterThan(99_000);
    m.fundamentals.shock(0, -0.2, true);
    m.loop.run(500);
    expect(m.fundamentals.value(0)).toBeLessThan(81_000);
  });

  it("every k ticks steps the k-tick transition of the per-tick process (no overshoot when k x meanReversion > 1)", () => {
    // Without noise the deviation of the log value from its anchor decays by (1 - meanReversion) a tick,
    // whether the process is stepped every tick or every k ticks.
    const decay = (every: number) => {
      const m = makeMarket({
        fundamentals: { kind: "meanReverting", volatility: 0, meanReversion: 0.01, every },
      });
      m.fundamentals.shock(0, -0.1);
      m.loop.run(600);
      return Math.log(m.fundamentals.value(0) / 100_000);
    };
    const exact = Math.log(0.9) * 0.99 ** 600;
    expect(decay(1)).toBeCloseTo(exact, 9);
    expect(decay(300)).toBeCloseTo(exact, 9);
    expect(decay(50)).toBeCloseTo(exact, 9);
    // With noise, the stationary variance of the log value is that of the per-tick process,
    // sigma^2 / (1 - (1 - k)^2), also when it is stepped every 50 ticks.
    const n = 20;
    const m = makeMarket({
      instruments: Array.from({ length: n }, (_, i) => ({ symbol: `S${i}`, initialPrice: 100_000 })),
      fundamentals: { kind: "meanReverting", volatility: 0.001, meanReversion: 0.01, every: 50 },
    });
    const xs: number[] = [];
    m.loop.on("metrics", (t) => {
      if (t % 50 === 0 && t > 2500)
        for (let i = 0; i < n; i++) xs.push(Math.log(m.fundamentals.value(i) / 100_000));
    });
    m.loop.run(20_000);
    const variance = xs.reduce((a, x) => a + x * x, 0) / xs.length;
    const stationary = 0.001 ** 2 / (1 - 0.99 ** 2);
    expect(variance / stationary).toBeGreaterThan(0.85);
    expect(variance / stationary).toBeLessThan(1.15);
  });

  it("rejects a correlation matrix that is not positive semi-definite, naming the field", () => {
    const m = makeMarket({
      instruments: [
        { symbol: "A", initialPrice: 100 },
        { symbol: "B", initialPrice: 100 },
        { symbol: "C", initialPrice: 100 },
      ],
    });
    const bad = [
      [1, 0.9, -0.9],
      [0.9, 1, 0.9],
      [-0.9, 0.9, 1],
    ];
    const e = err(
      () =>
        new Fundamentals({
          venue: m.venue,
          loop: m.loop,
          rng: m.root,
          spec: { kind: "randomWalk", volatility: 0.01, correlation: bad },
        }),
    );
    expect(e.field).toBe("fundamentals.correlation");
  });

  it("names the size of the matrix the market needs, and the nearest key of a misspelt one", () => {
    const m = makeMarket({
      instruments: [
        { symbol: "A", initialPrice: 100 },
        { symbol: "B", initialPrice: 100 },
      ],
    });
    const make = (spec: unknown) => () =>
      new Fundamentals({ venue: m.venue, loop: m.loop, rng: m.root, spec: spec as FundamentalSpec });
    const three = [
      [1, 0.5, 0.5],
      [0.5, 1, 0.5],
      [0.5, 0.5, 1],
    ];
    expect(err(make({ kind: "randomWalk", volatility: 0.01, correlation: three })).message).toContain(
      "allowed: a 2 x 2 correlation matrix (a row and a column per instrument of the market, in its order)",
    );
    expect(err(make({ kind: "randomWalk", volatility: 0.01, corelation: three })).message).toMatch(
      /fundamentals\.corelation = .*; allowed: one of kind, volatility, meanReversion, correlation, every; did you mean "correlation"\?$/,
    );
  });

  it("names a volatility or a correlation entry by a dotted path, as a sweep key writes it (fundamentals.correlation.0.1)", () => {
    // They were written volatility[1] and correlation[0][1].
    const m = makeMarket({
      instruments: [
        { symbol: "A", initialPrice: 100 },
        { symbol: "B", initialPrice: 100 },
      ],
    });
    const make = (spec: unknown) => () =>
      new Fundamentals({ venue: m.venue, loop: m.loop, rng: m.root, spec: spec as FundamentalSpec });
    const field = (spec: unknown) => err(make(spec)).field;
    expect(field({ kind: "randomWalk", volatility: [0.01, 2] })).toBe("fundamentals.volatility.1");
    expect(field({ kind: "randomWalk", volatility: 0.01, correlation: [[1, 0], 3] })).toBe(
      "fundamentals.correlation.1",
    );
    expect(
      field({
        kind: "randomWalk",
        volatility: 0.01,
        correlation: [
          [1, 2],
          [2, 1],
        ],
      }),
    ).toBe("fundamentals.correlation.0.1");
    expect(
      field({
        kind: "randomWalk",
        volatility: 0.01,
        correlation: [
          [1, 0],
          [0, 0.5],
        ],
      }),
    ).toBe("fundamentals.correlation.1.1");
    const asym = err(
      make({
        kind: "randomWalk",
        volatility: 0.01,
        correlation: [
          [1, 0.5],
          [0.2, 1],
        ],
      }),
    );
    expect(asym.message).toBe(
      "invalid experiment: fundamentals.correlation.1.0 = 0.2; allowed: a symmetric matrix (= fundamentals.correlation.0.1 = 0.5)",
    );
  });

  it("refuses a meanReversion written under kind randomWalk, naming it (it was accepted and ignored)", () => {
    const m = makeMarket();
    const make = (spec: unknown) => () =>
      new Fundamentals({ venue: m.venue, loop: m.loop, rng: m.root, spec: spec as FundamentalSpec });
    const e = err(make({ kind: "randomWalk", volatility: 0.001, meanReversion: 0.01 }));
    expect(e.field).toBe("fundamentals.meanReversion");
    expect(e.message).toBe(
      'invalid experiment: fundamentals.meanReversion = 0.01; allowed: undefined with kind "randomWalk" (meanReversion is read by kind "meanReverting" alone: a random walk is the mean-reverting process with meanReversion 0, so a variant or a sweep compares the two by meanReversion, not by kind)',
    );
    // meanReversion 0 is refused too: written, it says the writer expects it read.
    expect(err(make({ kind: "randomWalk", volatility: 0.001, meanReversion: 0 })).field).toBe(
      "fundamentals.meanReversion",
    );
    expect(() => make({ kind: "randomWalk", volatility: 0.001 })()).not.toThrow();
    expect(() => make({ kind: "meanReverting", volatility: 0.001, meanReversion: 0.01 })()).not.toThrow();
  });
});

describe("stylizedFacts", () => {
  it("sees no clustering or tails in iid normal returns, and both in a GARCH-like series", () => {
    let s = 1;
    const rnd = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    const normal = () => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
    const iid = [100];
    const garch = [100];
    let v = 1e-6;
    let last = 0;
    for (let t = 0; t < 20_000; t++) {
      iid.push(iid[t] * Math.exp(0.001 * normal()));
      v = 1e-8 + 0.1 * last * last + 0.88 * v;
      last = Math.sqrt(v) * normal();
      garch.push(garch[t] * Math.exp(last));
    }
    const a = stylizedFacts(iid, { spreads: [1, 2, Number.NaN] });
    expect(Math.abs(a.excessKurtosis)).toBeLessThan(0.2);
    expect(Math.abs(a.acfAbsReturns[0])).toBeLessThan(0.05);
    expect(a.spread).toEqual({ mean: 1.5, median: 1.5, p95: 1.95, max: 2, missing: 1 });
    const b = stylizedFacts(garch);
    expect(b.excessKurtosis).toBeGreaterThan(1);
    expect(b.acfAbsReturns[0]).toBeGreaterThan(0.1);
    expect(b.absAcfHead).toBeGreaterThan(b.absAcfTail);
  });
});

function stylizedCorr(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((x, y) => x + y, 0) / n;
  const mb = b.reduce((x, y) => x + y, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
