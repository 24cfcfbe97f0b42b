/**
 * A sweep path that does not reach a variant leaves it the same run at every point: the runner
 * simulates it once per replication and gives every point its own row, byte for byte what running
 * each of them would write.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { executeRun, makePlan, runExperiment, validateExperiment } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";
import { executeRuns } from "../../packages/experiment/src/execute.js";
import { runGroups, sameRunAs } from "../../packages/experiment/src/plan.js";
import tiny from "../e2e/fixtures/tiny.js";
import { fakeSimulate } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// full close has no amount.fraction: the sweep reaches the partial variant only. The custom metric
// reads its run's params and empties the records' liquidations: each run must still get its own value
// and records no other run's metrics have touched.
const swept = {
  ...tiny,
  replications: 2,
  ticks: 120,
  sweep: { "liquidation.amount.fraction": [0.5, 0.25, 0.75] },
  metrics: {
    custom: {
      fraction_seen: (_r: unknown, run: { params: Record<string, unknown> }) =>
        Number(run.params["liquidation.amount.fraction"]),
      point_seen: (_r: unknown, run: { point: number }) => run.point,
      liquidations_seen: (r: { liquidations: unknown[] }) => {
        const n = r.liquidations.length;
        r.liquidations.length = 0;
        return n;
      },
    },
  },
};

test("runs with the same config and seed are grouped: the unreached variant once per replication", () => {
  const plan = makePlan(validateExperiment(swept));
  expect(plan.total).toBe(3 * 2 * 2);
  const groups = runGroups(
    plan,
    Array.from({ length: plan.total }, (_, r) => r),
  );
  // run = (point * 2 + variant) * 2 + replication; variant 0 = full (unreached), 1 = partial
  expect(groups).toEqual([[0, 4, 8], [1, 5, 9], [2], [3], [6], [7], [10], [11]]);
  expect(sameRunAs(plan, 9)).toBe(1);
  expect(sameRunAs(plan, 7)).toBe(7);
  // a subset (a resume, a shard): the group's first pending run is simulated
  expect(runGroups(plan, [4, 8, 9, 11])).toEqual([[4, 8], [9], [11]]);
  // under a custom simulate (it receives the RunInfo) nothing is shared
  const custom = makePlan(validateExperiment({ ...swept, simulate: fakeSimulate }));
  expect(runGroups(custom, [0, 4, 8])).toEqual([[0], [4], [8]]);
});

test("a variant without the swept population (its populations end before that index) is the same run at every point: simulated once", () => {
  const def = {
    ...tiny,
    replications: 2,
    variants: { full: tiny.variants?.full, few: { populations: tiny.populations.slice(0, 3) } },
    sweep: { "populations.3.count": [5, 10, 15] },
  };
  const plan = makePlan(validateExperiment(def), { manifest: false });
  // run = (point * 2 + variant) * 2 + replication; variant 1 = few (no population 3)
  expect(
    runGroups(
      plan,
      Array.from({ length: plan.total }, (_, r) => r),
    ),
  ).toEqual([[0], [1], [2, 6, 10], [3, 7, 11], [4], [5], [8], [9]]);
});

test("a group's results equal running each of its runs alone", () => {
  const plan = makePlan(validateExperiment(swept));
  const alone = [0, 4, 8].map((r) => executeRun(plan, r));
  const grouped = executeRuns(plan, [0, 4, 8]);
  expect(grouped).toEqual(alone);
  expect(grouped.map((r) => r.run)).toEqual([0, 4, 8]);
  // the custom metric saw each run's own RunInfo (points 0, 1, 2), without a fraction: the sweep
  // does not reach full close (its runs.csv cell is blank), while partial's runs see theirs ...
  const cols = plan.metricColumns;
  expect(grouped.map((r) => r.metrics[cols.indexOf("point_seen")])).toEqual([0, 1, 2]);
  const seen = cols.indexOf("fraction_seen");
  expect(grouped.map((r) => r.metrics[seen])).toEqual([null, null, null]);
  expect([2, 6, 10].map((r) => executeRun(plan, r).metrics[seen])).toEqual([0.5, 0.25, 0.75]);
  // ... and records no other run's metrics had emptied (the run liquidates someone)
  const seenLiq = cols.indexOf("liquidations_seen");
  expect(grouped[0].metrics[seenLiq]).toBeGreaterThan(0);
  expect(grouped.map((r) => r.metrics[seenLiq])).toEqual(Array(3).fill(grouped[0].metrics[seenLiq]));
});

// The same study as a file (worker threads need one), and once more under a custom simulate that is
// simulateWorld itself: nothing is grouped there, every row comes from its own simulation.
function studyFile(dir: string, simulate: boolean): string {
  const tinyPath = fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url)).replace(/\.ts$/, ".js");
  const file = join(dir, simulate ? "alone.ts" : "grouped.ts");
  writeFileSync(
    file,
    `import { defineExperiment, simulateWorld } from "@cascade/experiment";
import tiny from ${JSON.stringify(tinyPath)};
export default defineExperiment({
  ...tiny,
  replications: 2,
  ticks: 120,
  sweep: { "liquidation.amount.fraction": [0.5, 0.25, 0.75] },
  ${simulate ? "simulate: simulateWorld," : ""}
  metrics: {
    custom: {
      fraction_seen: (_r, run) => Number(run.params["liquidation.amount.fraction"]),
      liquidations_seen: (r) => {
        const n = r.liquidations.length;
        r.liquidations.length = 0;
        return n;
      },
    },
  },
});
`,
  );
  return file;
}

const OUTPUTS = ["runs.csv", "summary.csv", "comparison.csv", "timeseries.csv", "liquidations.csv"];
const read = (dir: string) => Object.fromEntries(OUTPUTS.map((f) => [f, readFileSync(join(dir, f), "utf8")]));

test("runExperiment simulates the unreached variant once and writes the bytes of one simulation per run", async () => {
  const root = mkdtempSync(join(tmpdir(), "cascade-same-runs-"));
  dirs.push(root);
  const grouped = studyFile(root, false);
  const pooled = await runExperiment(grouped, { out: join(root, "pool"), workers: 2 });
  expect([pooled.executed, pooled.simulated]).toEqual([12, 8]);
  const info = JSON.parse(readFileSync(join(root, "pool", "run-info.json"), "utf8"));
  expect(info.runs).toMatchObject({ total: 12, executed: 12, simulated: 8, resumed: 0 });
  await runExperiment(grouped, { out: join(root, "inline"), workers: 0 });
  await runExperiment(studyFile(root, true), { out: join(root, "alone"), workers: 2 });
  expect(JSON.parse(readFileSync(join(root, "alone", "run-info.json"), "utf8")).runs.simulated).toBe(12);
  const files = read(join(root, "pool"));
  expect(read(join(root, "inline"))).toEqual(files);
  expect(read(join(root, "alone"))).toEqual(files);
  // every full-close row is the same at the three points, a partial row differs somewhere
  const rows = files["runs.csv"].trimEnd().split("\n").slice(1);
  const metricsOf = (variant: string, point: number, rep: number) =>
    rows
      .find((l) => l.startsWith(`${variant},${point},${rep},`))
      ?.split(",")
      .slice(5, -2) // after variant, point, replication, seed and the swept value; before the custom two
      .join(",");
  for (const rep of [0, 1]) {
    expect(metricsOf("full", 0, rep)).toMatch(/\d/);
    expect(metricsOf("full", 1, rep)).toBe(metricsOf("full", 0, rep));
    expect(metricsOf("full", 2, rep)).toBe(metricsOf("full", 0, rep));
  }
  expect([1, 2].some((p) => metricsOf("partial", p, 0) !== metricsOf("partial", 0, 0))).toBe(true);
});

test("a custom metric that fails at one run of a group names that run, not the group's first", async () => {
  const root = mkdtempSync(join(tmpdir(), "cascade-same-runs-fail-"));
  dirs.push(root);
  const tinyPath = fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url)).replace(/\.ts$/, ".js");
  const file = join(root, "fails.ts");
  // full close is unreached by the sweep: runs 0, 4, 8 (points 0, 1, 2, replication 0) are one group
  writeFileSync(
    file,
    `import { defineExperiment } from "@cascade/experiment";
import tiny from ${JSON.stringify(tinyPath)};
export default defineExperiment({
  ...tiny,
  replications: 2,
  ticks: 120,
  sweep: { "liquidation.amount.fraction": [0.5, 0.25, 0.75] },
  metrics: {
    custom: {
      fails_at_point_2: (_r, run) => {
        if (run.point === 2 && run.variant === "full" && run.replication === 0) throw new Error("boom");
        return 1;
      },
    },
  },
});
`,
  );
  const named = /run 8 failed \(variant "full", point 2, replication 0, seed \d+\): custom metric failed/;
  await expect(runExperiment(file, { out: join(root, "inline"), workers: 0 })).rejects.toThrow(named);
  await expect(runExperiment(file, { out: join(root, "pool"), workers: 2 })).rejects.toThrow(named);
});
