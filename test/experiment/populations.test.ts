/**
 * records.populations of the built-in world: per-population capital, equity, pnl, traded lots and
 * notional, orders and liquidations, checked against what can be counted independently.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  customAgents,
  fundamentalists,
  type LeveragedParams,
  leveragedTraders,
  marketMakers,
  noiseTraders,
  type PopulationSpec,
} from "@cascade/agents";
import {
  type ExperimentDefinition,
  executeRun,
  makePlan,
  type PopulationRecord,
  readResultsCsv,
  runExperiment,
  validateExperiment,
} from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { BUY, SELL } from "@cascade/market";
import { afterAll, describe, expect, test } from "vitest";
import customAgent from "../e2e/fixtures/custom-agent.js";
import { fakeExperiment, fakeSimulate, smallWorld } from "./helpers.js";

const world = (populations: PopulationSpec[], over: Partial<ExperimentDefinition> = {}) =>
  smallWorld(populations, { name: "pops", seed: 11, ticks: 150, ...over });

/** Makers, noise, fundamentalists and a leveraged crowd that a shock drives into a cascade. */
const cascadeCrowd = () => [
  marketMakers({ count: 2, capital: 1e8, levelSize: 30, levelSpacing: 2 }),
  noiseTraders({ count: 20, capital: 5e6, activation: { poissonRate: 0.05 } }),
  fundamentalists({ count: 5, capital: 7e6, activation: { poissonRate: 0.05 } }),
  leveragedTraders({
    count: 20,
    activation: { once: { dist: "uniformInt", min: 2, max: 40 } },
    leverage: { dist: "uniform", min: 5, max: 9.5 },
    capital: { dist: "uniform", min: 2000, max: 6000 },
    maxSlippage: 0.03,
  }),
];

describe("records.populations", () => {
  test("IOC-only takers against one market maker: lots, notional and orders match what the agents counted", () => {
    // Test-local counters: one in-process run (an experiment must not do this, see the README).
    let calls = 0;
    let filled = 0;
    const takers = customAgents({
      name: "taker",
      count: 6,
      capital: 1e9,
      activation: { poissonRate: 0.3 },
      params: { size: { dist: "uniformInt", min: 1, max: 4 } },
      create: (view, { instrument, params }) => ({
        act() {
          const mid = view.mid(instrument);
          if (!(mid > 0)) return;
          const buy = view.rng.uniform() < 0.5;
          calls++;
          filled += view.ioc(instrument, buy ? BUY : SELL, params.size, buy ? mid * 1.05 : mid * 0.95);
        },
      }),
    });
    const rec = world([marketMakers({ count: 1, capital: 1e8, levelSize: 30, levelSpacing: 2 }), takers]);
    const [mm, tk] = rec.populations ?? [];
    expect(calls).toBeGreaterThan(100);
    expect(filled).toBeGreaterThan(100);
    expect(tk).toMatchObject({
      name: "taker",
      index: 1,
      agents: 6,
      capital: 6e9,
      orders: calls,
      tradedLots: filled,
    });
    expect(mm).toMatchObject({ name: "marketMaker", index: 0, agents: 1, capital: 1e8 });
    // every fill is a taker against the maker: both sides saw the same lots and notional, all the volume
    let volume = 0;
    for (const s of rec.series) for (const v of s.volume) volume += v;
    expect(mm.tradedLots).toBe(filled);
    expect(volume).toBe(filled);
    expect(mm.tradedNotional).toBe(tk.tradedNotional);
    expect(tk.tradedNotional).toBeGreaterThan(filled * 400);
    expect(mm.orders).toBeGreaterThan(0);
    // no fees and every account an agent: the pnl of the two populations cancels (to float rounding)
    for (const p of [mm, tk]) expect(p.pnl).toBe(p.equity! - p.capital!);
    expect(Math.abs(mm.pnl! + tk.pnl!)).toBeLessThan(1e-6 * tk.tradedNotional!);
    expect(tk.pnl).not.toBe(0);
  });

  test("a record is named by the population's label: a built-in population's name when given, else its kind", () => {
    // the label a sweep path names it by ("populations.bank.levelSize"), so a metric can find it the same way
    const rec = world([
      marketMakers({ name: "bank", count: 1, capital: 1e8, levelSize: 30, levelSpacing: 2 }),
      noiseTraders({ count: 4, capital: 5e6, activation: { poissonRate: 0.05 } }),
    ]);
    expect(rec.populations?.map((p) => [p.name, p.index])).toEqual([
      ["bank", 0],
      ["noise", 1],
    ]);
  });

  test("fills of orders sent by create, while the world is built, are traded lots of both populations", () => {
    // One population rests asks in create, the next lifts some of them in create; nobody acts later.
    const makers = customAgents({
      name: "rester",
      count: 1,
      capital: 1e8,
      activation: { every: 1000 },
      instruments: ["AAA"],
      create: (view, { instrument }) => {
        view.limit(instrument, SELL, 10, 1001);
        return { act() {} };
      },
    });
    const lifters = customAgents({
      name: "lifter",
      count: 2,
      capital: 1e8,
      activation: { every: 1000 },
      instruments: ["AAA"],
      create: (view, { instrument, index }) => {
        view.ioc(instrument, BUY, 3 + index, 1001);
        return { act() {} };
      },
    });
    const rec = world([makers, lifters], { ticks: 5 });
    const [rester, lifter] = rec.populations ?? [];
    expect(lifter.orders).toBe(2);
    expect(lifter.tradedLots).toBe(3 + 4);
    expect(rester.tradedLots).toBe(7);
    expect(rester.tradedNotional).toBe(lifter.tradedNotional);
    expect(lifter.tradedNotional).toBeGreaterThan(0);
    // at tick 0: not in the volume series (ticks 1..)
    for (const s of rec.series) for (const v of s.volume) expect(v).toBe(0);
  });

  test("state in the closure create returns is one agent's in one run: a second run starts afresh", () => {
    // Each agent buys once, at its third wake, remembered in its closure (as a stop-loss keeps its
    // entry price). Were agents or their closures shared between runs, the second run would send
    // no order at all, or all at the first wakes.
    const rester = customAgents({
      name: "rester",
      count: 1,
      capital: 1e8,
      activation: { every: 1000 },
      instruments: ["AAA"],
      create: (view, { instrument }) => {
        view.limit(instrument, SELL, 100, 1001);
        return { act() {} };
      },
    });
    const buyOnThirdWake = customAgents({
      name: "third",
      count: 4,
      capital: 1e8,
      activation: { every: 10, offset: 0 },
      instruments: ["AAA"],
      create: (view, { instrument }) => {
        let wakes = 0;
        return {
          act() {
            if (++wakes === 3) view.ioc(instrument, BUY, 1, 1001);
          },
        };
      },
    });
    const populations = [rester, buyOnThirdWake];
    const first = world(populations, { ticks: 60 }).populations?.[1];
    const second = world(populations, { ticks: 60 }).populations?.[1];
    expect(first?.orders).toBe(4);
    expect(first?.tradedLots).toBe(4);
    expect(second).toEqual(first);
    // only two wakes before the end: nobody buys
    expect(world(populations, { ticks: 15 }).populations?.[1].orders).toBe(0);
  });

  test("a cascade: liquidations per population match the rows of its accounts; capital sums the deposits", () => {
    const rec = world([...cascadeCrowd()], {
      shocks: [
        { kind: "fundamentalDrop", instrument: "AAA", atTick: 60, fraction: 0.08 },
        { kind: "marketSell", instrument: "AAA", atTick: 61, quantity: 500 },
      ],
    });
    const pops = rec.populations ?? [];
    expect(pops.map((p) => [p.name, p.index, p.agents])).toEqual([
      ["marketMaker", 0, 2],
      ["noise", 1, 20],
      ["fundamentalist", 2, 5],
      ["leveraged", 3, 20],
    ]);
    expect(pops.slice(0, 3).map((p) => p.capital)).toEqual([2e8, 20 * 5e6, 5 * 7e6]);
    expect(Number.isInteger(pops[3].capital)).toBe(true);
    expect(pops[3].capital).toBeGreaterThanOrEqual(20 * 2000);
    expect(pops[3].capital).toBeLessThanOrEqual(20 * 6000);
    const rows = rec.liquidations.filter((r) => r.quantity > 0);
    expect(rows.length).toBeGreaterThan(0);
    pops.forEach((p) => {
      expect(p.liquidations, p.name).toBe(
        rows.filter((r) => r.account.startsWith(`${p.name}[${p.index}].`)).length,
      );
      expect(p.pnl).toBe(p.equity! - p.capital!);
      expect(p.tradedLots, p.name).toBeGreaterThan(0);
      expect(p.orders, p.name).toBeGreaterThan(0);
    });
    // the shock account's sell is not an agent's: agents' lots exceed total volume only by double counting
    let volume = 0;
    for (const s of rec.series) for (const v of s.volume) volume += v;
    const lots = pops.reduce((a, p) => a + p.tradedLots!, 0);
    expect(lots).toBeLessThanOrEqual(2 * volume);
    expect(lots).toBeGreaterThan(volume);
    // the leveraged crowd lost money in the crash
    expect(pops[3].pnl).toBeLessThan(0);
  });
});

describe("records.populations: margin top-ups", () => {
  test("cash topped up during the run is toppedUp, not capital, and pnl deducts it", () => {
    const crowd = (marginTopUp?: LeveragedParams["marginTopUp"]) => [
      ...cascadeCrowd().slice(0, 3),
      leveragedTraders({
        count: 20,
        activation: { poissonRate: 0.2 },
        leverage: { dist: "uniform", min: 5, max: 9.5 },
        capital: { dist: "uniform", min: 2000, max: 6000 },
        maxSlippage: 0.03,
        ...(marginTopUp ? { marginTopUp } : {}),
      }),
    ];
    const over = {
      shocks: [
        { kind: "fundamentalDrop" as const, instrument: "AAA", atTick: 60, fraction: 0.08 },
        { kind: "marketSell" as const, instrument: "AAA", atTick: 61, quantity: 500 },
      ],
      liquidation: presets.stepwise({ minNotional: 1000, cooldownTicks: 10 }),
    };
    const without = world(crowd(), over).populations?.[3];
    const withTopUp = world(crowd({ below: 1.3, to: 1.6, reserveOfCapital: 0.5 }), over).populations?.[3];
    expect(without?.toppedUp).toBe(0);
    expect(withTopUp?.capital).toBe(without?.capital);
    expect(withTopUp?.toppedUp).toBeGreaterThan(0);
    expect(Number.isInteger(withTopUp?.toppedUp)).toBe(true);
    // at most the reserves: half of each agent's capital, rounded
    expect(withTopUp?.toppedUp).toBeLessThanOrEqual((withTopUp?.capital ?? 0) / 2 + 10);
    expect(withTopUp?.pnl).toBe(
      (withTopUp?.equity ?? 0) - (withTopUp?.capital ?? 0) - (withTopUp?.toppedUp ?? 0),
    );
  });

  test("a deposit a custom agent makes in create counts in toppedUp, not in capital as well", () => {
    const depositor = customAgents({
      name: "depositor",
      count: 3,
      capital: 1000,
      activation: { every: 1000 },
      create: (view) => {
        view.deposit(50);
        return { act() {} };
      },
    });
    const rec = world([depositor], { ticks: 5 }).populations?.[0];
    expect(rec).toMatchObject({ capital: 3000, toppedUp: 150, equity: 3150, pnl: 0 });
  });
});

describe("records.populations: auction takes", () => {
  test("lots a keeper takes from Dutch auctions are traded lots of its population", () => {
    // Test-local counters, as above: what the keepers' takeAuction calls returned.
    let taken = 0;
    let takenNotional = 0;
    const keepers = customAgents({
      name: "keeper",
      count: 2,
      capital: 1e9,
      activation: { every: 1, offset: 0 },
      create: (view) => ({
        act() {
          for (const a of view.openAuctions()) {
            if (a.status !== "open" || a.remaining <= 0 || a.side !== SELL) continue;
            const price = view.auctionPrice(a.id);
            const q = view.takeAuction(a.id, a.remaining, price);
            taken += q;
            takenNotional += q * price;
          }
        },
      }),
    });
    const rec = world([...cascadeCrowd(), keepers], {
      liquidation: presets.dutchAuction({ startPremium: 0, decayPerTick: 0.02 }),
      shocks: [
        { kind: "fundamentalDrop", instrument: "AAA", atTick: 60, fraction: 0.08 },
        { kind: "marketSell", instrument: "AAA", atTick: 61, quantity: 500 },
      ],
    });
    const keeper = (rec.populations ?? [])[4];
    expect(taken).toBeGreaterThan(0);
    // the keepers send no orders: every lot they traded is an auction take
    expect(keeper).toMatchObject({ name: "keeper", orders: 0, tradedLots: taken });
    expect(keeper.tradedNotional).toBeCloseTo(takenNotional, 6);
  });
});

describe("records.populations: a population without agents", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("has no capital, equity, pnl, trades, orders nor liquidations: null, not 0", () => {
    const idle = customAgents({
      name: "idle",
      count: 0,
      capital: 1e6,
      activation: { every: 10 },
      create: () => ({ act() {} }),
    });
    const pops = world([...cascadeCrowd(), idle], { ticks: 80 }).populations ?? [];
    expect(pops[4]).toEqual({
      name: "idle",
      index: 4,
      agents: 0,
      capital: null,
      toppedUp: null,
      equity: null,
      pnl: null,
      tradedLots: null,
      tradedNotional: null,
      orders: null,
      liquidations: null,
    });
    // the populations with agents keep their numbers
    expect(pops.slice(0, 4).every((p) => typeof p.pnl === "number" && typeof p.capital === "number")).toBe(
      true,
    );
  });

  test("a custom metric of its pnl is blank in runs.csv at the point without agents, n 0 in summary.csv, unpaired in comparison.csv", async () => {
    const out = mkdtempSync(join(tmpdir(), "cascade-empty-pop-"));
    dirs.push(out);
    const study: ExperimentDefinition = {
      ...customAgent,
      replications: 3,
      sweep: { "populations.dipBuyer.count": [0, 6] },
    };
    await runExperiment(study, { out, workers: 0, progress: false });
    const runs = await readResultsCsv(join(out, "runs.csv"));
    const own = ["dip_orders", "dip_fills", "dip_notional", "dip_pnl", "dip_liquidations"];
    expect(runs).toHaveLength(6);
    for (const r of runs) {
      for (const m of own) {
        if (r.point === "0") expect(r[m], `${m} at point 0`).toBe("");
        else expect(r[m], `${m} at point 1`).toMatch(/^-?\d/);
      }
      // a metric of the market is measured at both points
      expect(r.liquidated_notional).toMatch(/^\d/);
    }
    const summary = await readResultsCsv(join(out, "summary.csv"));
    const pnl = (point: string) => summary.find((r) => r.point === point && r.metric === "dip_pnl");
    expect(pnl("0")).toMatchObject({ n: "0", mean: "", sd: "", ci_low: "", ci_high: "", median: "" });
    expect(pnl("1")?.n).toBe("3");
    expect(Number(pnl("1")?.mean)).not.toBe(0);
    // against no dip buyers there is nothing to pair with: no difference, as for a vault's pnl against no vault
    const comparison = await readResultsCsv(join(out, "comparison.csv"));
    const diff = comparison.find((r) => r.point === "1" && r.metric === "dip_pnl");
    expect(diff).toMatchObject({ n_pairs: "0", mean_diff: "", p_value: "" });
  });

  test("a custom simulate gives such a population null too: a 0 is refused, as a null where there are agents", () => {
    const agents = (n: number, pnl: number | null): PopulationRecord => ({
      name: "noise",
      index: 1,
      agents: n,
      capital: n === 0 ? null : 100,
      equity: n === 0 ? null : 103,
      pnl,
      tradedLots: n === 0 ? null : 4,
      tradedNotional: n === 0 ? null : 400,
      orders: n === 0 ? null : 5,
      liquidations: n === 0 ? null : 0,
    });
    const maker = { ...agents(1, 3), name: "marketMaker", index: 0 };
    const run = (second: PopulationRecord) =>
      executeRun(
        makePlan(
          validateExperiment(
            fakeExperiment({
              simulate: (c, rng) => ({ ...fakeSimulate(c, rng), populations: [maker, second] }),
            }),
          ),
        ),
        0,
      );
    expect(run(agents(0, null)).metrics.length).toBeGreaterThan(0);
    expect(() => run(agents(0, 0))).toThrow(
      "invalid run records: records.populations.1.pnl = 0; allowed: null (a population without agents has no value)",
    );
    expect(() => run({ ...agents(0, null), toppedUp: 0 })).toThrow(
      "invalid run records: records.populations.1.toppedUp = 0; allowed: null (a population without agents has no value), or left out",
    );
    expect(() => run(agents(2, null))).toThrow(
      "invalid run records: records.populations.1.pnl = null; allowed: a number",
    );
  });
});
