/**
 * A sweep key of several comma-separated paths sweeps them together: one value into every path a
 * variant has, one grid axis (n points, not n^2), one runs.csv column named by the key.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@cascade/core";
import {
  applyPoint,
  type ExperimentDefinition,
  executeRun,
  makePlan,
  type RunInfo,
  readResultsCsv,
  runExperiment,
  runInfo,
  validateExperiment,
} from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { afterAll, expect, test } from "vitest";
import tiny from "../e2e/fixtures/tiny.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const BOTH = "market.instruments.0.margin.maintenance, market.instruments.1.margin.maintenance";
const FUND_AND_VAULT = "liquidation.loss.insuranceFund, liquidation.backstop.capital";

function errorOf(def: unknown): ValidationError {
  try {
    validateExperiment(def);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error("expected a validation error");
}

const maintenance = (run: RunInfo, i: number) => run.config.market.instruments[i].margin?.maintenance ?? null;
const linked: ExperimentDefinition = {
  ...tiny,
  replications: 2,
  ticks: 120,
  sweep: { [BOTH]: [0.05, 0.09], "populations.3.leverage": [4, 8] },
  metrics: {
    builtIn: ["accounts_liquidated"],
    custom: {
      mm_AAA: (_r, run) => maintenance(run, 0),
      mm_BBB: (_r, run) => maintenance(run, 1),
      param_seen: (_r, run) => Number(run.params[BOTH]),
    },
  },
};

test("a linked key is one grid axis that sets each of its paths to the point's value", () => {
  const exp = validateExperiment(linked);
  expect(exp.sweep.params).toEqual([BOTH, "populations.3.leverage"]);
  expect(exp.sweep.points).toEqual([
    [0.05, 4],
    [0.05, 8],
    [0.09, 4],
    [0.09, 8],
  ]);
  const plan = makePlan(exp);
  expect(plan.total).toBe(4 * 2 * 2);
  const cfg = applyPoint(exp.variants[1].config, exp.sweep.params, [0.09, 8]);
  expect(cfg.market.instruments.map((i) => i.margin?.maintenance)).toEqual([0.09, 0.09]);
  expect(cfg.populations[3]).toMatchObject({ leverage: 8 });
  // the variant's own config is untouched
  expect(exp.variants[1].config.market.instruments.map((i) => i.margin?.maintenance)).toEqual([0.08, 0.08]);
  // a run sees both paths set and the key as its param: run (point 2, variant 1, replication 0)
  const r = executeRun(plan, (2 * 2 + 1) * 2);
  const col = (name: string) => r.metrics[plan.metricColumns.indexOf(name)];
  expect([col("mm_AAA"), col("mm_BBB"), col("param_seen")]).toEqual([0.09, 0.09, 0.09]);
});

test("each variant takes the paths it has: a fund in one, a fund and a vault in the other", () => {
  const exp = validateExperiment({
    ...tiny,
    variants: {
      fund: presets.fullClose({ insuranceFund: 1000 }),
      vault: presets.stepwise({ backstopCapital: 0 }),
      plain: { liquidation: presets.fullClose() },
    },
    baseline: "fund",
    sweep: { [FUND_AND_VAULT]: [0, 250_000] },
  });
  const at = (v: number) => applyPoint(exp.variants[v].config, exp.sweep.params, [250_000]).liquidation;
  expect(at(0).loss?.insuranceFund).toBe(250_000);
  expect(at(0).backstop).toBeUndefined();
  expect([at(1).loss?.insuranceFund, at(1).backstop?.capital]).toEqual([250_000, 250_000]);
  // 2 points x 3 variants, not a 2 x 2 grid
  expect(makePlan(exp).total).toBe(2 * 3 * tiny.replications);
});

test("runs.csv names the column by the key; validate-time errors name the key and the path", async () => {
  const out = mkdtempSync(join(tmpdir(), "cascade-linked-"));
  dirs.push(out);
  await runExperiment(
    { ...linked, sweep: { [BOTH]: [0.05, 0.09] }, replications: 1, ticks: 80 },
    { out, workers: 0, progress: false },
  );
  const [header, ...rows] = readFileSync(join(out, "runs.csv"), "utf8").trimEnd().split("\n");
  expect(header.startsWith(`variant,point,replication,seed,"${BOTH}",accounts_liquidated,`)).toBe(true);
  expect(rows.map((l) => l.split(",")[4])).toEqual(["0.05", "0.05", "0.09", "0.09"]);
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  expect(manifest.sweep.parameters).toEqual([BOTH]);

  const typo = errorOf({
    ...tiny,
    sweep: { "market.instruments.0.margin.maintenance, market.instruments.1.margin.maintenanse": [0.05] },
  });
  expect(typo.field).toBe(
    'sweep["market.instruments.0.margin.maintenance, market.instruments.1.margin.maintenanse"]',
  );
  expect(typo.value).toBe("market.instruments.1.margin.maintenanse");
  expect(typo.message).toContain('the longest existing prefix is "market.instruments.1.margin"');
  const twice = errorOf({
    ...tiny,
    sweep: { [BOTH]: [0.05], "market.instruments.1.margin.maintenance": [0.06] },
  });
  expect(twice.code).toBe("DUPLICATE_PATH");
  expect(twice.field).toBe('sweep["market.instruments.1.margin.maintenance"]');
  expect(twice.message).toContain(`sweep[${JSON.stringify(BOTH)}] sets it already`);
  const repeated = errorOf({ ...tiny, sweep: { "ticks, ticks": [100] } });
  expect([repeated.code, repeated.value]).toEqual(["DUPLICATE_PATH", "ticks"]);
  const empty = errorOf({ ...tiny, sweep: { "ticks,": [100] } });
  expect([empty.code, empty.value]).toEqual(["UNKNOWN_PATH", ""]);
  // a value one path cannot take names that path
  const bad = errorOf({ ...tiny, sweep: { [BOTH]: [0.05, 0.2] } });
  expect(bad.field).toBe(`sweep[${JSON.stringify(BOTH)}].1`);
  expect(bad.message).toMatch(/at market\.instruments\.0\.margin\.maintenance in variant "full"/);
});

test('a sweep key is written in its normal form (paths joined by ", "): stray spaces are refused, showing that form', () => {
  // the key is the parameter's name in runs.csv, params, sweepReference and manifest.json: a key
  // with other spacing would name the parameter differently from what the sweep shows elsewhere
  for (const [key, normal] of [
    [" populations.3.count,populations.2.count ", "populations.3.count, populations.2.count"],
    ["populations.3.count ,  populations.2.count", "populations.3.count, populations.2.count"],
    [" populations.3.count", "populations.3.count"],
    ["populations.3.count\t", "populations.3.count"],
  ]) {
    const e = errorOf({ ...tiny, sweep: { [key]: [5] } });
    expect([e.code, e.field, e.value]).toEqual(["INVALID_KEY", `sweep[${JSON.stringify(key)}]`, key]);
    expect(e.message).toContain(`the key written ${JSON.stringify(normal)}`);
  }
  // the normal form itself is accepted and is the name everywhere
  const key = "populations.3.count, populations.2.count";
  const exp = validateExperiment({ ...tiny, sweep: { [key]: [5, 8] }, sweepReference: key });
  expect([exp.sweep.params, exp.sweep.reference]).toEqual([[key], key]);
  expect(makePlan(exp, { manifest: false }).manifest.sweep).toMatchObject({
    parameters: [key],
    reference: key,
  });
});

test("a parameter that replaces the part an earlier one sets inside it is refused (that one would do nothing)", () => {
  const amounts = [
    { kind: "closeFactor", fraction: 0.5 },
    { kind: "closeFactor", fraction: 0.1 },
  ];
  // fraction first, then the whole amount: the amount's value replaced the fraction at every point
  const later = errorOf({
    ...tiny,
    sweep: { "liquidation.amount.fraction": [0.25, 0.75], "liquidation.amount": amounts },
  });
  expect([later.code, later.field, later.value]).toEqual([
    "OVERLAPPING_PATH",
    'sweep["liquidation.amount"]',
    "liquidation.amount",
  ]);
  expect(later.message).toContain('sweep["liquidation.amount.fraction"] sets liquidation.amount.fraction');
  // one path inside another of the same linked key
  const inside = errorOf({
    ...tiny,
    sweep: { "market.instruments.0.margin, market.instruments.0.margin.maintenance": [0.05] },
  });
  expect([inside.code, inside.value]).toEqual([
    "OVERLAPPING_PATH",
    "market.instruments.0.margin.maintenance",
  ]);
  // the whole amount first, then its fraction: the fraction is set inside each amount (a nested grid)
  const exp = validateExperiment({
    ...tiny,
    sweep: { "liquidation.amount": amounts, "liquidation.amount.fraction": [0.25, 0.75] },
  });
  const fractions = exp.sweep.points.map(
    (pt) =>
      (applyPoint(exp.variants[1].config, exp.sweep.params, pt).liquidation.amount as { fraction: number })
        .fraction,
  );
  expect(fractions).toEqual([0.25, 0.75, 0.25, 0.75]);
});

test("a nested grid's inner path that only some outer values create is accepted, checked at every point, blank in runs.csv elsewhere", async () => {
  // No variant has amount.targetMarginRatio of its own: the outer restoreToTarget value creates it.
  const restore = { kind: "restoreToTarget", targetMarginRatio: 2 };
  const sweep = {
    "liquidation.amount": [restore, { kind: "closeFactor", fraction: 0.5 }],
    "liquidation.amount.targetMarginRatio": [1.5, 3],
  };
  const exp = validateExperiment({ ...tiny, replications: 1, ticks: 120, sweep });
  const ratios = exp.sweep.points.map((pt) =>
    exp.variants.map(
      (v) =>
        (applyPoint(v.config, exp.sweep.params, pt).liquidation.amount as { targetMarginRatio?: number })
          .targetMarginRatio ?? null,
    ),
  );
  expect(ratios).toEqual([
    [1.5, 1.5],
    [3, 3],
    [null, null],
    [null, null],
  ]);
  // Each point is validated with the inner value inside the outer one.
  const bad = errorOf({ ...tiny, sweep: { ...sweep, "liquidation.amount.targetMarginRatio": [1.5, -1] } });
  expect([bad.code, bad.field]).toEqual(["INVALID_VALUE", "sweep (point 1)"]);
  expect(bad.message).toContain("liquidation.amount.targetMarginRatio = -1");
  // runs.csv: the ratio where the outer value has it, blank at the closeFactor points.
  const out = mkdtempSync(join(tmpdir(), "cascade-nested-"));
  dirs.push(out);
  await runExperiment({ ...tiny, replications: 1, ticks: 120, sweep }, { out, workers: 0 });
  const rows = await readResultsCsv(join(out, "runs.csv"));
  expect(rows.map((r) => r["liquidation.amount.targetMarginRatio"])).toEqual([
    "1.5",
    "1.5",
    "3",
    "3",
    "",
    "",
    "",
    "",
  ]);
  // run.params agrees with runs.csv: the inner parameter is absent where its cell is blank
  const plan = makePlan(exp);
  const inner = "liquidation.amount.targetMarginRatio";
  expect(rows.map((_, run) => runInfo(plan, run).params[inner] ?? "")).toEqual([
    1.5,
    1.5,
    3,
    3,
    "",
    "",
    "",
    "",
  ]);
  expect(Object.keys(runInfo(plan, 7).params)).toEqual(["liquidation.amount"]);
});

test("a nested grid's inner path that no outer value creates, in any variant, is refused naming the outer parameter", () => {
  const e = errorOf({
    ...tiny,
    sweep: {
      "liquidation.amount": [{ kind: "closeFactor", fraction: 0.5 }, { kind: "full" }],
      "liquidation.amount.targetMarginRatio": [1.5, 3],
    },
  });
  expect([e.code, e.field, e.value]).toEqual([
    "UNKNOWN_PATH",
    'sweep["liquidation.amount.targetMarginRatio"]',
    "liquidation.amount.targetMarginRatio",
  ]);
  expect(e.message).toContain(
    'allowed: a path that exists in the config of a variant, or that an earlier parameter\'s values create (sweep["liquidation.amount"] sets liquidation.amount, but no variant has liquidation.amount.targetMarginRatio under any of its values: add a value that has it, or set it in a variant)',
  );
});
