/**
 * A policy's own amount rule and ordering in the built-in world: run as the built-in rule they
 * reproduce, named when they throw mid-run, recorded in the manifest as functions.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fundamentalists, leveragedTraders, marketMakers, noiseTraders } from "@cascade/agents";
import { CascadeError, Rng } from "@cascade/core";
import { defineExperiment, makePlan, simulateWorld, validateExperiment } from "@cascade/experiment";
import { type Holding, type PolicySpec, presets } from "@cascade/liquidation";
import type { Venue } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { codeOnlyARunCalls } from "../../packages/experiment/src/smoke.js";
import { cascade, fixture, requireBuilt } from "../e2e/helpers.js";

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

  test.each([
    [
      "trigger",
      presets.fullClose({
        name: "mine",
        trigger: {
          kind: "custom",
          // a block body without its return in a run
          test: (venue, account) => (inRun(venue, account) ? (undefined as unknown as boolean) : false),
        },
      }),
      "INVALID_TRIGGER_RESULT",
      /^custom trigger failed: liquidation\.trigger\.test of policy "mine" on account [A-Za-z]+\[\d\]\.\d+ at tick \d+ returned: trigger\.test\(venue, account\) = undefined; allowed: true or false$/,
    ],
    [
      "amount",
      presets.fullClose({
        name: "mine",
        amount: {
          kind: "custom",
          lots: (venue, account, hs) => hs.map((h) => (inRun(venue, account) ? Math.abs(h.q) - 0.5 : 0)),
        },
      }),
      "INVALID_AMOUNT_RESULT",
      /^custom amount failed: liquidation\.amount\.lots of policy "mine" on account leveraged\[3\]\.\d+ at tick \d+ returned: amount\.lots\(venue, account, holdings\)\[0\] = \d+\.5; allowed: an integer number of lots in \[0, \d+\] \(holdings\[0\]: instrument 0, position -?\d+\)$/,
    ],
    [
      "amount",
      presets.fullClose({
        name: "mine",
        amount: {
          kind: "custom",
          // one entry too many in a run
          lots: (venue, account, hs) =>
            inRun(venue, account) ? (new Int32Array(hs.length + 1) as unknown as number[]) : hs.map(() => 0),
        },
      }),
      "INVALID_AMOUNT_RESULT",
      /^custom amount failed: liquidation\.amount\.lots of policy "mine" on account leveraged\[3\]\.\d+ at tick \d+ returned: amount\.lots\(venue, account, holdings\) = Int32Array \[0, 0\]; allowed: an array of 1 integer numbers of lots, one per holding in the policy's ordering$/,
    ],
    [
      "ordering",
      presets.fullClose({
        name: "mine",
        ordering: { kind: "custom", key: (venue, account) => (inRun(venue, account) ? Number.NaN : 0) },
      }),
      "INVALID_ORDERING_RESULT",
      /^custom ordering failed: liquidation\.ordering\.key of policy "mine" on account leveraged\[3\]\.\d+ at tick \d+ returned: ordering\.key\(venue, account, holding\) = NaN; allowed: a finite number \(for the holding of instrument 0, position -?\d+; ascending keys are closed first, ties by instrument id\)$/,
    ],
  ])(
    "a custom %s that returns a value the engine refuses mid-run is named as one that throws, with the value and what is allowed (%#)",
    (_part, policy, code, message) => {
      let err: unknown;
      try {
        run(policy);
      } catch (e) {
        err = e;
      }
      expect((err as Error).message).toMatch(message);
      // the check's refusal, its code kept; a class of its own, which a run failure reads from the stack
      expect(err).toBeInstanceOf(CascadeError);
      expect(err).toMatchObject({ code, name: "ReturnedValueError" });
      expect(String((err as Error).stack).split("\n")[0]).toBe(
        `ReturnedValueError: ${(err as Error).message}`,
      );
    },
  );

  test("its run failure says nothing more, in-process and in worker threads: no stack points at a function that returned", async () => {
    requireBuilt();
    const file = fixture("bad-returned-lots.ts");
    const root = mkdtempSync(join(tmpdir(), "cascade-returned-"));
    // what CASCADE_RETURN makes the fixture's functions return in a run, as the message names it
    const named = {
      lots: String.raw`amount failed: liquidation\.amount\.lots of policy "halves" on account leveraged\[3\]\.\d+ at tick \d+ returned: amount\.lots\(venue, account, holdings\)\[0\] = \d+\.5; allowed: an integer number of lots in \[0, \d+\] \(holdings\[0\]: instrument \d, position -?\d+\)`,
      typed: String.raw`amount failed: liquidation\.amount\.lots of policy "halves" on account leveraged\[3\]\.\d+ at tick \d+ returned: amount\.lots\(venue, account, holdings\) = Int32Array \[\d+(, \d+)*\]; allowed: an array of \d integer numbers of lots, one per holding in the policy's ordering`,
      key: String.raw`ordering failed: liquidation\.ordering\.key of policy "halves" on account leveraged\[3\]\.\d+ at tick \d+ returned: ordering\.key\(venue, account, holding\) = NaN; allowed: a finite number \(for the holding of instrument \d, position -?\d+; ascending keys are closed first, ties by instrument id\)`,
    };
    try {
      // a NaN key fails deepest, under more than 10 of Cascade's frames: in-process and in workers
      const runs = [
        ["key", "0"],
        ["key", "2"],
        ["lots", "2"],
        ["typed", "2"],
      ] as const;
      const outcomes = await Promise.all(
        runs.map(([bad, workers]) => {
          // (read by the child as it is spawned)
          process.env.CASCADE_RETURN = bad;
          const out = join(root, `${bad}-${workers}`);
          return cascade(["run", file, "--workers", workers, "--out", out, "--quiet", "--no-report"], root);
        }),
      );
      outcomes.forEach((r, k) => {
        expect(r.code, r.stderr).toBe(1);
        // the whole of stderr: the error alone
        expect(r.stderr, runs[k].join(" --workers ")).toMatch(
          new RegExp(
            String.raw`^error: run \d failed \(variant "default", point 0, replication \d, seed \d+\): custom ${named[runs[k][0]]}\n$`,
          ),
        );
      });
    } finally {
      delete process.env.CASCADE_RETURN;
      rmSync(root, { recursive: true, force: true });
    }
  });

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
