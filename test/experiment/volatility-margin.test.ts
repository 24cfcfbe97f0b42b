/**
 * A volatility-linked margin (market.instruments[i].margin.volatility) in experiment files:
 * validated with the experiment's path, sweepable, in manifest.json and `cascade validate`'s margin
 * line, and in a run of the built-in world: a fixed point (maxMultiplier 1) is the fixed-margin run.
 */
import { fundamentalists, leveragedTraders, marketMakers, noiseTraders } from "@cascade/agents";
import { Rng, ValidationError } from "@cascade/core";
import {
  applyPoint,
  defineExperiment,
  type ExperimentDefinition,
  makePlan,
  simulateWorld,
  validateExperiment,
} from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import type { MarginSpec } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { marginLines } from "../../packages/experiment/src/margin-lines.js";

const VOL = { windowTicks: 20, everyTicks: 5, reference: 0.001, maxMultiplier: 3 };
const MM = "market.instruments.0.margin.volatility.maxMultiplier";

/** A small built-in world (BTC, a 10% drop at tick 100 of 250) with BTC's margin as given. */
function study(
  margin: MarginSpec | undefined,
  over: Partial<ExperimentDefinition> = {},
): ExperimentDefinition {
  return defineExperiment({
    name: "vol-margin",
    seed: 1,
    market: {
      instruments: [
        { symbol: "BTC", initialPrice: 5_000, ...(margin === undefined ? {} : { margin }) },
        { symbol: "ETH", initialPrice: 4_000 },
      ],
    },
    fundamentals: { kind: "meanReverting", volatility: 0.0002, meanReversion: 0.002 },
    populations: [
      marketMakers({ count: 2, activation: { every: 2 } }),
      noiseTraders({ count: 30, activation: { poissonRate: 0.03 } }),
      fundamentalists({ count: 20, activation: { poissonRate: 0.05 } }),
      leveragedTraders({
        count: 30,
        leverage: { dist: "uniform", min: 3, max: 12 },
        capital: 20_000,
        instruments: ["BTC"],
        activation: { once: { dist: "uniformInt", min: 2, max: 60 } },
      }),
    ],
    shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 100, fraction: 0.1 }],
    liquidation: presets.fullClose(),
    replications: 1,
    ticks: 250,
    ...over,
  });
}

function errorOf(def: unknown): ValidationError {
  try {
    validateExperiment(def);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error("expected a ValidationError");
}

const base = { initial: 0.05, maintenance: 0.03 };

describe("margin.volatility in an experiment", () => {
  test.each([
    [
      { ...VOL, windowTicks: 0 },
      "market.instruments.0.margin.volatility.windowTicks",
      "an integer number of ticks in [1,",
    ],
    [
      { ...VOL, windowTicks: 251 },
      "market.instruments.0.margin.volatility.windowTicks",
      "an integer number of ticks in [1, ticks = 250]: a longer window never fills",
    ],
    [
      // reviews fall on ticks 300, 600, ...: none within 250 ticks, the margin would never move
      { ...VOL, everyTicks: 300 },
      "market.instruments.0.margin.volatility.everyTicks",
      "ticks = 250: at everyTicks = 300 the first review, the first multiple of everyTicks from windowTicks = 20 on, would be at tick 300",
    ],
    [
      // a window of 200 filled at tick 200, but reviews every 150 ticks fall on 300: after the run
      { ...VOL, windowTicks: 200, everyTicks: 150 },
      "market.instruments.0.margin.volatility.everyTicks",
      "at everyTicks = 150 the first review, the first multiple of everyTicks from windowTicks = 200 on, would be at tick 300",
    ],
    [
      { ...VOL, reference: -1 },
      "market.instruments.0.margin.volatility.reference",
      "a finite volatility per tick > 0",
    ],
    [
      { ...VOL, maxMultiplier: 0.9 },
      "market.instruments.0.margin.volatility.maxMultiplier",
      "a finite number >= 1",
    ],
    [
      { ...VOL, maxMultipler: 2 },
      "market.instruments.0.margin.volatility.maxMultipler",
      'did you mean "maxMultiplier"',
    ],
    [
      { windowTicks: 20, everyTicks: 5, reference: 0.001 },
      "market.instruments.0.margin.volatility.maxMultiplier",
      "",
    ],
    ["20", "market.instruments.0.margin.volatility", "an object with keys windowTicks, everyTicks"],
  ])("refused: %j", (volatility, field, allowed) => {
    const e = errorOf(study({ ...base, volatility } as MarginSpec));
    expect(e.field).toBe(field);
    expect(e.message).toContain(allowed);
  });

  test("swept by its path; a point's value is checked as a written one; manifest.json records the rule", () => {
    const v = validateExperiment(study({ ...base, volatility: VOL }, { sweep: { [MM]: [1, 2] } }));
    expect(v.sweep.points).toEqual([[1], [2]]);
    const at2 = applyPoint(v.variants[0].config, [MM], [2]);
    expect(at2.market.instruments[0].margin?.volatility).toEqual({ ...VOL, maxMultiplier: 2 });
    // a window and review period whose first review falls on the run's last tick are allowed
    expect(() =>
      validateExperiment(study({ ...base, volatility: { ...VOL, windowTicks: 200, everyTicks: 125 } })),
    ).not.toThrow();
    const e = errorOf(study({ ...base, volatility: VOL }, { sweep: { [MM]: [2, 0.5] } }));
    expect(e.field).toBe(`sweep["${MM}"].1`);
    expect(e.message).toContain("a finite number >= 1");
    const plan = makePlan(v, { manifest: false });
    const [variant] = plan.manifest.variants as Array<{ config: { market: { instruments: unknown[] } } }>;
    expect(variant.config.market.instruments[0]).toMatchObject({ margin: { ...base, volatility: VOL } });
  });

  test("cascade validate's margin line: the rule, swept fields, variants grouped; none when all fixed", () => {
    const linked = validateExperiment(
      study(
        { ...base, volatility: VOL },
        {
          variants: {
            procyclical: presets.fullClose(),
            fixed: {
              market: {
                instruments: [
                  { symbol: "BTC", initialPrice: 5_000 },
                  { symbol: "ETH", initialPrice: 4_000 },
                ],
              },
            },
          },
          sweep: { [MM]: [1, 2] },
        },
      ),
    );
    expect(marginLines(linked.variants, () => [MM])).toEqual([
      "  margin of procyclical: volatility-linked BTC (windowTicks 20, everyTicks 5, reference 0.001, maxMultiplier swept); the others fixed",
      "  margin of fixed: fixed",
    ]);
    expect(marginLines(validateExperiment(study(base)).variants, () => [])).toEqual([]);
    // numbers as the policy lines show them: a fraction's double as p/q
    const third = validateExperiment(study({ ...base, volatility: { ...VOL, maxMultiplier: 4 / 3 } }));
    expect(marginLines(third.variants, () => [])).toEqual([
      "  margin in every variant: volatility-linked BTC (windowTicks 20, everyTicks 5, reference 0.001, maxMultiplier 4/3); the others fixed",
    ]);
  });

  test("a run: maxMultiplier 1 is the fixed-margin run to the row; a rising margin liquidates more", () => {
    const run = (margin: MarginSpec) =>
      simulateWorld(validateExperiment(study(margin)).variants[0].config, Rng.fromSeed(3));
    const fixed = run(base);
    const capped = run({ ...base, volatility: { ...VOL, maxMultiplier: 1 } });
    expect(capped.liquidations).toEqual(fixed.liquidations);
    expect(capped.series).toEqual(fixed.series);
    const rising = run({ ...base, volatility: { ...VOL, maxMultiplier: 4 } });
    const accounts = (r: typeof fixed) => new Set(r.liquidations.map((l) => l.account)).size;
    expect(accounts(fixed)).toBeGreaterThan(0);
    expect(accounts(rising)).toBeGreaterThan(accounts(fixed));
  });
});
