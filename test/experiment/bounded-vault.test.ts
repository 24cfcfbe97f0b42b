/**
 * Sweeping a backstop vault's capital: `liquidation.backstop.capital` bounds the vault (omitted, the
 * presets' default, it is unbounded), so "how big must the vault be?" moves the results: with no
 * capital it takes nothing and the accounts go to the next stage (ADL, the book). An unbounded vault
 * has no capital to sweep: it runs unchanged at every point.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@cascade/core";
import {
  type ExperimentDefinition,
  executeRun,
  makePlan,
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

const sweepCapital: ExperimentDefinition = {
  ...tiny,
  replications: 3,
  shocks: [
    { kind: "fundamentalDrop", instrument: "AAA", atTick: 60, fraction: 0.25, permanent: true },
    { kind: "marketSell", instrument: "AAA", atTick: 61, quantity: 800 },
  ],
  variants: {
    vault: { liquidation: presets.stepwise({ minNotional: 5_000, backstopCapital: 0 }) },
    unbounded: { liquidation: presets.stepwise({ minNotional: 5_000 }) },
    none: { liquidation: presets.stepwise({ minNotional: 5_000, backstop: null }) },
  },
  baseline: "none",
  sweep: { "liquidation.backstop.capital": [0, 100_000_000] },
  metrics: {
    builtIn: ["liquidated_notional", "book_liquidated_notional", "adl_volume", "backstop_pnl"],
    custom: { backstop_declined: (r) => r.totals.backstopDeclined ?? null },
  },
};

test("a swept capital: with 0 the vault takes nothing (the runs are those without a vault), with plenty it takes", () => {
  const plan = makePlan(validateExperiment(sweepCapital));
  const col = (m: readonly (number | null)[], name: string) => m[plan.metricColumns.indexOf(name)];
  const rows: Record<string, Array<readonly (number | null)[]>> = {};
  for (let run = 0; run < plan.total; run++) {
    const info = runInfo(plan, run);
    const key = `${info.variant}@${plan.exp.sweep.points[info.point][0]}`;
    const capital = info.config.liquidation.backstop?.capital;
    // the capital is the run's param where the sweep reaches it, absent from both elsewhere
    expect(capital).toBe(info.params["liquidation.backstop.capital"]);
    expect("liquidation.backstop.capital" in info.params).toBe(info.variant === "vault");
    const list = rows[key] ?? [];
    list.push(executeRun(plan, run).metrics);
    rows[key] = list;
  }
  const none = rows["none@0"];
  const empty = rows["vault@0"];
  const rich = rows["vault@100000000"];
  expect([none.length, empty.length, rich.length]).toEqual([3, 3, 3]);
  // the unbounded vault is the same at both points, and reports no declines
  expect(rows["unbounded@0"]).toEqual(rows["unbounded@100000000"]);
  for (const m of rows["unbounded@0"]) expect(col(m, "backstop_declined")).toBeNull();
  for (let k = 0; k < 3; k++) {
    // no capital: every takeover declined, so the runs are those without a vault, trade for trade
    for (const name of ["liquidated_notional", "book_liquidated_notional", "adl_volume"])
      expect(col(empty[k], name)).toBe(col(none[k], name));
    expect(col(empty[k], "backstop_pnl")).toBe(0);
    expect(col(none[k], "backstop_declined")).toBeNull();
  }
  // the crash liquidates: the empty vault declined accounts, the rich one took them off the book
  expect(empty.some((m) => (col(m, "backstop_declined") as number) > 0)).toBe(true);
  expect(rich.every((m) => col(m, "backstop_declined") === 0)).toBe(true);
  const book = (list: typeof rich) =>
    list.reduce((s, m) => s + (col(m, "book_liquidated_notional") as number), 0);
  expect(book(rich)).toBeLessThan(book(empty));
});

test("same seed, same bytes with a bounded vault", async () => {
  const once = async () => {
    const out = mkdtempSync(join(tmpdir(), "cascade-vault-"));
    dirs.push(out);
    await runExperiment({ ...sweepCapital, replications: 2 }, { out, workers: 0, progress: false });
    return readFileSync(join(out, "runs.csv"), "utf8");
  };
  const [a, b] = [await once(), await once()];
  expect(a.split("\n").length).toBeGreaterThan(8);
  expect(a).toBe(b);
});

test("sweeping the capital of unbounded vaults only is refused, saying how to bound them", () => {
  let err: unknown;
  try {
    validateExperiment({
      ...sweepCapital,
      variants: { unbounded: presets.stepwise(), none: presets.stepwise({ backstop: null }) },
      baseline: "none",
    });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as Error).message).toContain(
    'sweep["liquidation.backstop.capital"] = "liquidation.backstop.capital"; allowed: a path that exists in the config of the base experiment or of a variant',
  );
  expect((err as Error).message).toContain(
    "a backstop vault without capital is unbounded: give the vaults to sweep a capital (presets.stepwise({ backstopCapital: 0 }), presets.backstopVault({ capital: 0 })); one without it stays unbounded at every point",
  );
});

test("a swept capital that is not money is refused, naming the path, the value and what is allowed", () => {
  let err: unknown;
  try {
    validateExperiment({ ...sweepCapital, sweep: { "liquidation.backstop.capital": [0, -5] } });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as Error).message).toBe(
    'invalid experiment: sweep["liquidation.backstop.capital"].1 = -5; allowed: an integer number of cash units in [0, 2^53 - 1 = 9007199254740991], where money stays exact (a bounded vault), or undefined (an unbounded vault, the default) (at liquidation.backstop.capital in variant "vault")',
  );
});
