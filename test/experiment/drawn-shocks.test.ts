/**
 * Shock sizes drawn per run (a scenario per replication): the same draw under every variant and
 * sweep point of a replication, different across replications, in records.shocks, within the
 * distribution's bounds; bad distributions refused by name. A constant size draws nothing (the
 * shipped studies' bytes do not move).
 */
import { Rng } from "@cascade/core";
import { makePlan, runInfo, simulateWorld, validateExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { expect, test } from "vitest";
import tiny from "../e2e/fixtures/tiny.js";

const drawn = {
  ...tiny,
  replications: 6,
  ticks: 80,
  shocks: [
    {
      kind: "fundamentalDrop",
      instrument: "AAA",
      atTick: 40,
      fraction: { dist: "uniform", min: 0.05, max: 0.2 },
    },
    {
      kind: "marketSell",
      instrument: "AAA",
      atTick: 41,
      quantity: { dist: "uniformInt", min: 100, max: 900 },
    },
    {
      kind: "correlatedCrash",
      atTick: 50,
      fractions: { AAA: 0.01, BBB: { dist: "choice", values: [0, 0.05] } },
    },
  ],
  variants: { full: presets.fullClose(), partial: { liquidation: presets.closeFactor({ fraction: 0.5 }) } },
};

test("a drawn shock size is one scenario per replication, the same under every variant", () => {
  const plan = makePlan(validateExperiment(drawn));
  const shocksOf = (run: number) => {
    const info = runInfo(plan, run);
    return simulateWorld(info.config, Rng.fromSeed(info.seed)).shocks ?? [];
  };
  const byReplication = Array.from({ length: 6 }, (_, r) => shocksOf(r)); // variant 0
  for (let r = 0; r < 6; r++) expect(shocksOf(6 + r)).toEqual(byReplication[r]); // variant 1
  const fractions = byReplication.map((s) => (s[0] as { fraction: number }).fraction);
  const quantities = byReplication.map((s) => (s[1] as { quantity: number }).quantity);
  for (const f of fractions) expect(f >= 0.05 && f < 0.2).toBe(true);
  for (const q of quantities) expect(Number.isInteger(q) && q >= 100 && q <= 900).toBe(true);
  expect(new Set(fractions).size).toBe(6);
  expect(new Set(quantities).size).toBeGreaterThan(1);
  const crash = byReplication.map((s) => s[2] as { fractions: Record<string, number> });
  for (const c of crash) {
    expect(c.fractions.AAA).toBe(0.01);
    expect([0, 0.05]).toContain(c.fractions.BBB);
  }
  // a constant shock is recorded as given, with its duration (1 tick when not given)
  const constant = makePlan(validateExperiment({ ...tiny, replications: 1, ticks: 80 }));
  const info = runInfo(constant, 0);
  expect(simulateWorld(info.config, Rng.fromSeed(info.seed)).shocks).toEqual([
    { kind: "fundamentalDrop", instrument: "AAA", atTick: 60, fraction: 0.08, overTicks: 1 },
    { kind: "marketSell", instrument: "AAA", atTick: 61, quantity: 500, overTicks: 1 },
  ]);
});

test.each([
  [
    "a fraction that can reach 1",
    { dist: "uniform", min: 0.1, max: 1 },
    "shocks.0.fraction",
    /reaches 0\.1\.\.1/,
  ],
  ["a fraction that can be 0", { dist: "choice", values: [0, 0.1] }, "shocks.0.fraction", /\(0, 1\)/],
  ["an unbounded normal", { dist: "normal", mean: 0.1, sd: 0.05 }, "shocks.0.fraction.min", /./],
])("refused: %s", (_name, fraction, field, allowed) => {
  const def = { ...drawn, shocks: [{ ...drawn.shocks[0], fraction }] };
  let err: { field?: string; message?: string } = {};
  try {
    validateExperiment(def);
  } catch (e) {
    err = e as typeof err;
  }
  expect(err.field).toBe(field);
  expect(err.message).toMatch(allowed);
});

test("a marketSell quantity drawn from a non-integer distribution is refused", () => {
  const def = {
    ...drawn,
    shocks: [{ ...drawn.shocks[1], quantity: { dist: "uniform", min: 100, max: 900 } }],
  };
  expect(() => validateExperiment(def)).toThrow(/shocks\.0\.quantity = .*uniformInt.*choice/);
});

test("a correlatedCrash leg drawn from the same distribution is the same under a variant that changes another leg", () => {
  // Common random numbers per leg: BBB's drop is the same scenario whether AAA's is a constant (which
  // draws nothing) or drawn, as a fundamentalDrop's is whatever the other shocks are.
  const crash = (aaa: unknown) => [
    {
      kind: "correlatedCrash",
      atTick: 40,
      fractions: { AAA: aaa, BBB: { dist: "uniform", min: 0.01, max: 0.1 } },
    },
  ];
  const plan = makePlan(
    validateExperiment({
      ...tiny,
      replications: 4,
      ticks: 60,
      shocks: crash(0.05),
      variants: {
        constant: {},
        drawn: { shocks: crash({ dist: "uniform", min: 0.01, max: 0.1 }) },
      },
      baseline: "constant",
    }),
  );
  const bbb = (run: number) => {
    const info = runInfo(plan, run);
    const s = simulateWorld(info.config, Rng.fromSeed(info.seed)).shocks ?? [];
    return (s[0] as { fractions: Record<string, number> }).fractions.BBB;
  };
  for (let r = 0; r < 4; r++) expect(bbb(4 + r)).toBe(bbb(r));
});
