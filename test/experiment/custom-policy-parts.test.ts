/**
 * A policy's own amount rule and ordering in the built-in world: run as the built-in rule they
 * reproduce, named when they throw mid-run, recorded in the manifest as functions.
 */
import { fundamentalists, leveragedTraders, marketMakers, noiseTraders } from "@cascade/agents";
import { Rng } from "@cascade/core";
import { defineExperiment, makePlan, simulateWorld, validateExperiment } from "@cascade/experiment";
import { type Holding, type PolicySpec, presets } from "@cascade/liquidation";
import type { Venue } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { codeOnlyARunCalls } from "../../packages/experiment/src/smoke.js";

/** my-early-trigger's world (shorter: a 10% drop at tick 100 of 250) under `liquidation`, validated. */
function validated(liquidation: PolicySpec) {
  const def = defineExperiment({
    name: "custom-parts",
    seed: 1,
    market: {
      instruments: [{ symbol: "BTC", initialPrice: 5_000, margin: { initial: 0.05, maintenance: 0.03 } }],
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
        activation: { once: { dist: "uniformInt", min: 2, max: 60 } },
      }),
    ],
    shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 100, fraction: 0.1 }],
    liquidation,
    replications: 1,
    ticks: 250,
  });
  return validateExperiment(def);
}

/** Its one run. */
const run = (liquidation: PolicySpec) =>
  simulateWorld(validated(liquidation).variants[0].config, Rng.fromSeed(1));

/** True for the accounts of a run, false for validation's scratch-market tries. */
const inRun = (venue: Venue, account: number) => !venue.label(account).startsWith("trigger-check");

describe("custom amount and ordering in the built-in world", () => {
  test("lots of every whole position, ordered by largest notional: the run of a full close, to the row", () => {
    const full = run(presets.fullClose());
    const own = run(
      presets.fullClose({
        amount: { kind: "custom", lots: (_v, _a, hs) => hs.map((h) => Math.abs(h.q)) },
        ordering: { kind: "custom", key: (_v, _a, h: Readonly<Holding>) => -h.notional },
      }),
    );
    expect(full.liquidations.length).toBeGreaterThan(5);
    expect(own.liquidations).toEqual(full.liquidations);
    expect(own.series).toEqual(full.series);
  });

  test.each([
    [
      "amount",
      presets.fullClose({
        name: "mine",
        amount: {
          kind: "custom",
          lots: (venue, account, hs) => {
            if (inRun(venue, account)) throw new RangeError("no volatility table");
            return hs.map(() => 0);
          },
        },
      }),
      /^custom amount failed: liquidation\.amount\.lots of policy "mine" on account leveraged\[3\]\.\d+ at tick \d+ threw: no volatility table$/,
    ],
    [
      "ordering",
      presets.fullClose({
        name: "mine",
        ordering: {
          kind: "custom",
          key: (venue, account) => {
            if (inRun(venue, account)) throw new RangeError("no volatility table");
            return 0;
          },
        },
      }),
      /^custom ordering failed: liquidation\.ordering\.key of policy "mine" on account leveraged\[3\]\.\d+ at tick \d+ threw: no volatility table$/,
    ],
  ])(
    "a custom %s that throws mid-run is named with its policy, account and tick",
    (_part, policy, message) => {
      let err: unknown;
      try {
        run(policy);
      } catch (e) {
        err = e;
      }
      expect((err as Error).message).toMatch(message);
      // the researcher's error is kept, with its stack at their line
      expect(String((err as Error).stack)).toContain("RangeError: no volatility table");
    },
  );

  test("manifest.json records them as functions, by name (their code is in the source's hash)", () => {
    const lots = (_v: Venue, _a: number, hs: ReadonlyArray<Readonly<Holding>>) => hs.map(() => 1);
    const key = (_v: Venue, _a: number, h: Readonly<Holding>) => h.instrument;
    const plan = makePlan(
      validated(presets.fullClose({ amount: { kind: "custom", lots }, ordering: { kind: "custom", key } })),
      { manifest: false },
    );
    const [variant] = plan.manifest.variants as Array<{ config: { liquidation: unknown } }>;
    expect(variant.config.liquidation).toMatchObject({
      amount: { kind: "custom", lots: "[function lots]" },
      ordering: { kind: "custom", key: "[function key]" },
    });
  });

  test("cascade validate's smoke run tries them, as only a run calls them past the scratch market", () => {
    const lots = () => [1];
    const key = () => 0;
    expect(codeOnlyARunCalls(validated(presets.fullClose({ amount: { kind: "custom", lots } })))).toEqual([
      "custom amount rules",
    ]);
    expect(codeOnlyARunCalls(validated(presets.fullClose({ ordering: { kind: "custom", key } })))).toEqual([
      "custom orderings",
    ]);
    expect(codeOnlyARunCalls(validated(presets.fullClose()))).toEqual([]);
  });
});
