/**
 * Shocks spread over `overTicks` ticks: a drop in equal log-steps that compound to exactly the
 * fraction, a marketSell as integer child orders summing exactly to its quantity, a crash per leg;
 * overTicks 1 (or omitted) is the one-tick shock byte for byte; a drawn duration leaves the size
 * draws as they were, is recorded, and a sweep over it runs; bad durations are refused by name.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { marketMakers } from "@cascade/agents";
import { Rng } from "@cascade/core";
import { makePlan, runExperiment, runInfo, simulateWorld, validateExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import fc from "fast-check";
import { afterAll, expect, test } from "vitest";
import { ChildLots } from "../../packages/experiment/src/world.js";
import tiny from "../e2e/fixtures/tiny.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The tiny world with a still fundamental (no noise, no reversion): a drop's path is the shock's alone. */
const still = (shocks: unknown[], meanReversion = 0) => ({
  ...tiny,
  replications: 1,
  ticks: 100,
  fundamentals: { kind: "meanReverting", volatility: 0, meanReversion },
  shocks,
});

const fundamentalOf = (def: unknown, symbol = 0) => {
  const plan = makePlan(validateExperiment(def as typeof tiny), { manifest: false });
  const info = runInfo(plan, 0);
  const records = simulateWorld(info.config, Rng.fromSeed(info.seed));
  return { fundamental: records.series[symbol].fundamental, records };
};

test("a fundamentalDrop over 50 ticks takes equal log-steps that compound to exactly the fraction", () => {
  const drop = { kind: "fundamentalDrop", instrument: "AAA", atTick: 20, fraction: 0.2 };
  const { fundamental: f, records } = fundamentalOf(still([{ ...drop, overTicks: 50 }]));
  const gap = fundamentalOf(still([drop])).fundamental;
  // ticks 1..19 untouched; the slide is ticks 20..69; then it stays (no reversion, no noise)
  for (let t = 1; t < 20; t++) expect(f[t - 1]).toBe(f[0]);
  expect(f[0]).toBeCloseTo(1000, 9);
  const ratio = 0.8 ** (1 / 50);
  for (let t = 20; t <= 69; t++) expect(f[t - 1] / f[t - 2]).toBeCloseTo(ratio, 13);
  expect(f[69 - 1]).toBeCloseTo(800, 9);
  expect(f[68 - 1]).toBeGreaterThan(800 * 1.004); // one step still to go: not there before the end
  for (let t = 69; t <= 100; t++) expect(f[t - 1]).toBeCloseTo(gap[t - 1], 9);
  expect(gap[20 - 1]).toBeCloseTo(800, 12);
  expect(records.shockTick).toBe(20);
  expect(records.shocks).toEqual([{ ...drop, overTicks: 50 }]);
});

test("under mean reversion a spread drop is shallower than its gap, unless permanent (the anchor moves with each step)", () => {
  const drop = { kind: "fundamentalDrop", instrument: "AAA", atTick: 20, fraction: 0.2, overTicks: 50 };
  const reverting = fundamentalOf(still([drop], 0.01)).fundamental;
  const permanent = fundamentalOf(still([{ ...drop, permanent: true }], 0.01)).fundamental;
  // each step pulls toward 1000 the ticks after it: the slide ends above 800 and keeps reverting
  expect(reverting[69 - 1]).toBeGreaterThan(800 * 1.04);
  expect(reverting[100 - 1]).toBeGreaterThan(reverting[69 - 1]);
  // permanent: value and anchor move together, nothing to revert; the level shift is the fraction
  expect(permanent[69 - 1]).toBeCloseTo(800, 9);
  expect(permanent[100 - 1]).toBeCloseTo(800, 9);
});

test("a correlatedCrash over 10 ticks takes each leg's drop in its own equal log-steps", () => {
  const crash = { kind: "correlatedCrash", atTick: 30, fractions: { AAA: 0.1, BBB: 0.3 }, overTicks: 10 };
  const { records } = fundamentalOf(still([crash]));
  const [a, b] = [records.series[0].fundamental, records.series[1].fundamental];
  expect(a[29 - 1]).toBeCloseTo(1000, 9);
  expect(b[29 - 1]).toBeCloseTo(500, 9);
  for (let t = 30; t <= 39; t++) {
    expect(a[t - 1] / a[t - 2]).toBeCloseTo(0.9 ** 0.1, 13);
    expect(b[t - 1] / b[t - 2]).toBeCloseTo(0.7 ** 0.1, 13);
  }
  expect(a[39 - 1]).toBeCloseTo(900, 9);
  expect(b[39 - 1]).toBeCloseTo(350, 9);
  expect(records.shocks?.[0].overTicks).toBe(10);
});

test("child lots: integers summing exactly to the quantity, floor(q / n) or one more, the remainder spread evenly", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 1, max: 3000 }), (q, n) => {
      const lots = new ChildLots(q, n);
      const base = Math.floor(q / n);
      let sent = 0n;
      for (let j = 1; j <= n; j++) {
        const c = lots.next();
        if (c !== base && c !== base + 1) return false;
        sent += BigInt(c);
        // after j children, floor(q x j / n) lots in all (exact, in BigInt)
        if (sent !== (BigInt(q) * BigInt(j)) / BigInt(n)) return false;
      }
      return sent === BigInt(q);
    }),
  );
  const lots = new ChildLots(7, 5);
  expect(Array.from({ length: 5 }, () => lots.next())).toEqual([1, 1, 2, 1, 2]);
});

test("a marketSell over 10 ticks sends its child orders one a tick into the book, summing to the quantity", () => {
  // Only market makers, deep enough to fill every child: each tick's volume is the shock's child.
  const sells = (overTicks?: number) => {
    const def = {
      ...tiny,
      replications: 1,
      ticks: 40,
      populations: [marketMakers({ count: 2, capital: 1e9, levelSize: 500, levelSpacing: 2 })],
      shocks: [{ kind: "marketSell", instrument: "AAA", atTick: 10, quantity: 107, overTicks }],
    };
    const plan = makePlan(validateExperiment(def), { manifest: false });
    const info = runInfo(plan, 0);
    return Array.from(simulateWorld(info.config, Rng.fromSeed(info.seed)).series[0].volume);
  };
  const spread = sells(10);
  const lots = new ChildLots(107, 10);
  expect(spread.slice(9, 19)).toEqual(Array.from({ length: 10 }, () => lots.next()));
  expect(spread.slice(9, 19).reduce((a, b) => a + b, 0)).toBe(107);
  expect(spread.slice(0, 9).every((v) => v === 0) && spread.slice(19).every((v) => v === 0)).toBe(true);
  const gap = sells(undefined);
  expect(gap[9]).toBe(107);
  expect(gap.reduce((a, b) => a + b, 0)).toBe(107);
});

const OUTPUTS = ["runs.csv", "summary.csv", "comparison.csv", "timeseries.csv", "liquidations.csv"];
const read = (dir: string) => Object.fromEntries(OUTPUTS.map((f) => [f, readFileSync(join(dir, f), "utf8")]));

test("overTicks: 1 on every shock writes the bytes of the shocks without it; the same seed gives the same bytes", async () => {
  const root = mkdtempSync(join(tmpdir(), "cascade-spread-shocks-"));
  dirs.push(root);
  const base = { ...tiny, replications: 2, ticks: 120 };
  const ones = { ...base, shocks: tiny.shocks?.map((s) => ({ ...s, overTicks: 1 })) };
  const spread = { ...base, shocks: tiny.shocks?.map((s) => ({ ...s, overTicks: 15 })) };
  await runExperiment(base, { out: join(root, "omitted"), workers: 0, progress: false });
  await runExperiment(ones, { out: join(root, "ones"), workers: 0, progress: false });
  await runExperiment(spread, { out: join(root, "spread"), workers: 0, progress: false });
  await runExperiment(spread, { out: join(root, "spread-again"), workers: 0, progress: false });
  const omitted = read(join(root, "omitted"));
  expect(read(join(root, "ones"))).toEqual(omitted);
  expect(read(join(root, "spread-again"))).toEqual(read(join(root, "spread")));
  expect(read(join(root, "spread"))["runs.csv"]).not.toBe(omitted["runs.csv"]);
});

test("a drawn overTicks is recorded, varies by replication, and leaves the size draws of the config without it", () => {
  const shocks = [
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
  ];
  const drawn = shocks.map((s) => ({ ...s, overTicks: { dist: "uniformInt", min: 1, max: 30 } }));
  const recordsOf = (list: unknown[]) => {
    const plan = makePlan(validateExperiment({ ...tiny, replications: 6, ticks: 80, shocks: list }), {
      manifest: false,
    });
    return Array.from({ length: 6 }, (_, r) => {
      const info = runInfo(plan, r);
      return simulateWorld(info.config, Rng.fromSeed(info.seed)).shocks ?? [];
    });
  };
  const without = recordsOf(shocks);
  const withDuration = recordsOf(drawn);
  for (let r = 0; r < 6; r++) {
    expect(without[r].map((s) => s.overTicks)).toEqual([1, 1]);
    expect(withDuration[r].map((s) => s.fraction ?? s.quantity)).toEqual(
      without[r].map((s) => s.fraction ?? s.quantity),
    );
    for (const s of withDuration[r])
      expect(
        Number.isInteger(s.overTicks) && (s.overTicks as number) >= 1 && (s.overTicks as number) <= 30,
      ).toBe(true);
  }
  expect(new Set(withDuration.map((s) => s[0].overTicks)).size).toBeGreaterThan(1);
  // deterministic: drawn again, the same
  expect(recordsOf(drawn)).toEqual(withDuration);
});

test("a sweep over shocks.0.overTicks runs, without overTicks in the base config; its point 1 is the one-tick run", async () => {
  const root = mkdtempSync(join(tmpdir(), "cascade-spread-sweep-"));
  dirs.push(root);
  const def = {
    ...tiny,
    replications: 2,
    ticks: 150,
    variants: { full: presets.fullClose() },
    sweep: { "shocks.0.overTicks": [1, 40] },
    metrics: {
      custom: {
        over_ticks: (r: { shocks?: Array<{ overTicks?: number }> }) => r.shocks?.[0].overTicks ?? null,
      },
    },
  };
  await runExperiment(def, { out: join(root, "swept"), workers: 0, progress: false });
  await runExperiment(
    { ...def, sweep: undefined },
    { out: join(root, "plain"), workers: 0, progress: false },
  );
  const rows = (dir: string) =>
    readFileSync(join(root, dir, "runs.csv"), "utf8")
      .trim()
      .split("\n");
  const swept = rows("swept");
  const plain = rows("plain");
  const col = swept[0].split(",").indexOf("over_ticks");
  expect(swept.slice(1).map((l) => Number(l.split(",")[col]))).toEqual([1, 1, 40, 40]);
  // point 0 (overTicks 1): the metrics of the run without a sweep, cell for cell
  const metricsOf = (line: string, header: string) => {
    const h = header.split(",");
    const cells = line.split(",");
    return h
      .map((k, i) => [k, cells[i]])
      .filter(([k]) => !["run", "point", "shocks.0.overTicks"].includes(k));
  };
  expect(metricsOf(swept[1], swept[0])).toEqual(metricsOf(plain[1], plain[0]));
  expect(metricsOf(swept[3], swept[0])).not.toEqual(metricsOf(swept[1], swept[0]));
});

test.each([
  ["zero ticks", 0, /\[1, 141\]/],
  ["a fraction of a tick", 2.5, /\[1, 141\]/],
  ["past the end of the run", 142, /atTick \+ overTicks - 1 <= ticks = 200, with atTick = 60/],
  ["a drawn duration that can pass the end", { dist: "uniformInt", min: 10, max: 150 }, /reaches 10\.\.150/],
  ["a non-integer distribution", { dist: "uniform", min: 1, max: 10 }, /uniformInt.*choice/],
  ["not a number", "10", /an integer number of ticks/],
])("refused: overTicks %s", (_name, overTicks, allowed) => {
  const def = { ...tiny, shocks: [{ ...tiny.shocks?.[0], overTicks }] };
  let err: { field?: string; value?: unknown; message?: string } = {};
  try {
    validateExperiment(def);
  } catch (e) {
    err = e as typeof err;
  }
  expect(err.field).toBe("shocks.0.overTicks");
  expect(err.value).toEqual(overTicks);
  expect(err.message).toMatch(allowed);
});

test("a swept overTicks past the end of the run is refused at that point, naming the path", () => {
  expect(() => validateExperiment({ ...tiny, sweep: { "shocks.1.overTicks": [1, 141] } })).toThrow(
    /shocks\.1\.overTicks/,
  );
});
