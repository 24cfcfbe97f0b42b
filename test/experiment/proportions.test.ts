/**
 * 0/1 outcomes in summary.csv and comparison.csv: a metric that is 0 in some runs, 1 in others and
 * nothing else (a custom "did ADL fire", the built-in recovered) gets Wilson intervals of its rates
 * and Newcombe's interval of their paired differences; t intervals gave [0, 0] for 0 of 20 and
 * intervals past 0 and 1.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pairedProportionInterval, runExperiment, wilsonInterval } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";
import { fakeExperiment, fakeSimulate } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const rows = (file: string) => {
  const [head, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  const cols = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((c, i) => [cols[i], c])));
};

test("a 0/1 metric gets Wilson and Newcombe intervals; a count that is 0/1 in one variant only does not", async () => {
  const out = mkdtempSync(join(tmpdir(), "cascade-proportions-"));
  dirs.push(out);
  await runExperiment(
    fakeExperiment({
      replications: 20,
      metrics: {
        custom: {
          // full: 0 in every run; half: 1 in runs 0-16
          fired: (_r, run) => (run.variant === "half" && run.replication < 17 ? 1 : 0),
          // 0/1 under full, up to 2 under half: a count, t intervals
          count: (_r, run) => (run.variant === "half" ? run.replication % 3 : run.replication % 2),
        },
      },
    }),
    { out, workers: 0 },
  );
  const summary = rows(join(out, "summary.csv"));
  const at = (variant: string, metric: string) =>
    summary.find((r) => r.variant === variant && r.metric === metric) as Record<string, string>;
  const [lo0, hi0] = wilsonInterval(0, 20);
  expect(Number(at("full", "fired").ci_low)).toBe(lo0);
  expect(Number(at("full", "fired").ci_high)).toBeCloseTo(hi0, 9); // 10 significant digits
  const [lo17, hi17] = wilsonInterval(17, 20);
  expect(Number(at("half", "fired").ci_low)).toBeCloseTo(lo17, 9);
  expect(Number(at("half", "fired").ci_high)).toBeCloseTo(hi17, 9);
  // the count under full is 0/1 too, but not a 0/1 metric: mean 0.5 +- t x sd / sqrt(20)
  expect(Number(at("full", "count").ci_high)).toBeCloseTo(
    0.5 + (2.093024054408263 * Math.sqrt(20 / 76)) / Math.sqrt(20),
    8,
  );
  const cmp = rows(join(out, "comparison.csv")).find((r) => r.metric === "fired") as Record<string, string>;
  // half - full: 17 pairs (1, 0), 3 pairs (0, 0)
  const [l, u] = pairedProportionInterval(0, 17, 0, 3);
  expect(Number(cmp.mean_diff)).toBe(0.85);
  expect(Number(cmp.ci_low)).toBeCloseTo(l, 9);
  expect(Number(cmp.ci_high)).toBeCloseTo(u, 9);
  expect(Number(cmp.ci_high)).toBeLessThanOrEqual(1);
});

test("a built-in count that happens to be 0 or 1 in every run keeps its t interval (only recovered is a 0/1 outcome)", async () => {
  const out = mkdtempSync(join(tmpdir(), "cascade-proportions-"));
  dirs.push(out);
  await runExperiment(
    fakeExperiment({
      replications: 20,
      // one liquidation in even replications, none in odd ones: liquidations, accounts_liquidated and
      // max_cascade_depth are 0 or 1 in every run, and are counts all the same
      simulate: (config, rng, run) => {
        const r = fakeSimulate(config, rng);
        if (run.replication % 2 === 1) r.liquidations = [];
        return r;
      },
      metrics: { builtIn: ["liquidations", "accounts_liquidated"] },
    }),
    { out, workers: 0 },
  );
  const summary = rows(join(out, "summary.csv"));
  for (const metric of ["liquidations", "accounts_liquidated"]) {
    const row = summary.find((r) => r.variant === "full" && r.metric === metric) as Record<string, string>;
    expect(Number(row.mean)).toBe(0.5);
    // mean +- t(0.975, 19) x sd / sqrt(20), sd = sqrt(20 / 76); Wilson's would be [0.299, 0.701]
    const half = (2.093024054408263 * Math.sqrt(20 / 76)) / Math.sqrt(20);
    expect(Number(row.ci_low)).toBeCloseTo(0.5 - half, 8);
    expect(Number(row.ci_high)).toBeCloseTo(0.5 + half, 8);
  }
});
