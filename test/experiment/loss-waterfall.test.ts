/**
 * bad_debt and who paid it: insurance_draw + backstop_absorbed + adl_covered + socialized_loss +
 * unrecovered_debt, each a column of runs.csv, summing to bad_debt exactly in every run. Before
 * these columns a stepwise policy's deficits charged to ADL counterparties beyond its vault's
 * equity were in no output at all (adl_volume counts positions closed by ADL, not cash charged).
 */
import { Rng } from "@cascade/core";
import { computeMetrics, makePlan, runInfo, simulateWorld, validateExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { expect, test } from "vitest";
import tiny from "../e2e/fixtures/tiny.js";

const WATERFALL = [
  "insurance_draw",
  "backstop_absorbed",
  "adl_covered",
  "socialized_loss",
  "unrecovered_debt",
];

test("the loss waterfall columns sum to bad_debt, and each policy's payer shows up", () => {
  const exp = validateExperiment({
    ...tiny,
    replications: 4,
    shocks: [
      { kind: "fundamentalDrop", instrument: "AAA", atTick: 60, fraction: 0.25, permanent: true },
      { kind: "marketSell", instrument: "AAA", atTick: 61, quantity: 800 },
    ],
    variants: {
      vault: { liquidation: presets.stepwise({ minNotional: 5_000, backstopCapital: 0 }) },
      adl: { liquidation: presets.fullClose({ penaltyRate: 0, whenFundEmpty: "adl" }) },
      socialize: { liquidation: presets.fullClose({ penaltyRate: 0, whenFundEmpty: "socialize" }) },
      unrecovered: { liquidation: presets.fullClose({ penaltyRate: 0, whenFundEmpty: "badDebt" }) },
      fund: { liquidation: presets.fullClose({ insuranceFund: 1_000_000 }) },
    },
    baseline: "fund",
  });
  const plan = makePlan(exp);
  const cols = plan.metricColumns;
  const at = (name: string) => cols.indexOf(name);
  const paid = new Map<string, Set<string>>();
  for (let run = 0; run < plan.total; run++) {
    const info = runInfo(plan, run);
    const m = computeMetrics(
      simulateWorld(info.config, Rng.fromSeed(info.seed)),
      info,
      exp.builtIn,
      plan.symbols,
      exp.custom,
    );
    const badDebt = m[at("bad_debt")] as number;
    const parts = WATERFALL.map((c) => m[at(c)] as number);
    for (const x of parts) expect(Number.isSafeInteger(x) && x >= 0).toBe(true);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(badDebt);
    const set = paid.get(info.variant) ?? new Set<string>();
    WATERFALL.forEach((c, k) => {
      if (parts[k] > 0) set.add(c);
    });
    paid.set(info.variant, set);
  }
  // a vault with no capital pays deficits only from what its takeovers made; ADL charges the rest
  expect([...(paid.get("vault") ?? [])]).toEqual(["backstop_absorbed", "adl_covered"]);
  expect([...(paid.get("adl") ?? [])]).toEqual(["adl_covered"]);
  expect([...(paid.get("socialize") ?? [])]).toEqual(["socialized_loss"]);
  expect([...(paid.get("unrecovered") ?? [])]).toEqual(["unrecovered_debt"]);
  expect([...(paid.get("fund") ?? [])]).toEqual(["insurance_draw"]);
});
