/**
 * The flagship studies in experiments/: each validates as written, and each of its variants runs
 * end to end through the built-in world at a tiny size (300 ticks, the shock moved to tick 150,
 * leveraged traders entering before it, the first sweep point only, one replication). The
 * assertions check the shape and the sanity of what a run records, not the studies' findings.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "@cascade/core";
import {
  applyPoint,
  computeMetrics,
  type ExperimentDefinition,
  type RunInfo,
  type RunRecords,
  simulateWorld,
  validateExperiment,
  type WorldConfig,
} from "@cascade/experiment";
import { describe, expect, test } from "vitest";
import { REPO } from "./helpers.js";

const STUDIES = [
  "partial-vs-full",
  "close-factor-sweep",
  "leverage-crowding",
  "execution-styles",
  "cross-asset-contagion",
  "insurance-fund",
] as const;

const TICKS = 300;
const SHOCK_AT = 150;

async function load(name: string): Promise<ExperimentDefinition> {
  const mod = (await import(join(REPO, "experiments", `${name}.ts`))) as { default: ExperimentDefinition };
  return mod.default;
}

/** The tiny version of a world config: shorter run, earlier shock, earlier entries. */
function tiny(config: WorldConfig): WorldConfig {
  const first = Math.min(...config.shocks.map((s) => s.atTick));
  return {
    ...config,
    ticks: TICKS,
    shocks: config.shocks.map((s) => ({ ...s, atTick: s.atTick - first + SHOCK_AT })),
    populations: config.populations.map((p) =>
      p.kind === "leveraged" &&
      p.activation !== undefined &&
      p.activation !== "onEvent" &&
      "once" in p.activation
        ? { ...p, activation: { once: { dist: "uniformInt", min: 5, max: 100 } } }
        : p,
    ),
  };
}

function checkRecords(rec: RunRecords, config: WorldConfig): void {
  const symbols = config.market.instruments.map((i) => i.symbol);
  expect(rec.ticks).toBe(TICKS);
  expect(rec.shockTick).toBe(SHOCK_AT);
  expect(rec.series.map((s) => s.symbol)).toEqual(symbols);
  for (const s of rec.series) {
    for (const key of [
      "mid",
      "bestBid",
      "bestAsk",
      "spread",
      "depthBid",
      "depthAsk",
      "volume",
      "liquidatedNotional",
      "fundamental",
    ] as const) {
      expect(s[key].length, `${s.symbol}.${key}`).toBe(TICKS);
    }
    // Prices stay inside the instrument's band and the fundamental is always defined.
    const spec = config.market.instruments.find((i) => i.symbol === s.symbol);
    const maxPrice = spec?.maxPrice ?? 4 * s.initialPrice;
    for (let t = 0; t < TICKS; t++) {
      expect(Number.isFinite(s.fundamental[t]) && s.fundamental[t] > 0).toBe(true);
      if (s.bestBid[t] > 0 && s.bestAsk[t] > 0) expect(s.bestAsk[t]).toBeGreaterThan(s.bestBid[t]);
      expect(s.bestAsk[t]).toBeLessThanOrEqual(maxPrice);
      expect(s.volume[t]).toBeGreaterThanOrEqual(0);
    }
    // Before the shock the market is sane: the mid tracks the fundamental and both sides exist.
    let dev = 0;
    let defined = 0;
    for (let t = 50; t < SHOCK_AT - 1; t++) {
      if (!Number.isFinite(s.mid[t])) continue;
      defined++;
      dev += Math.abs(s.mid[t] / s.fundamental[t] - 1);
    }
    expect(defined, `${s.symbol}: ticks with both book sides before the shock`).toBeGreaterThan(
      0.9 * (SHOCK_AT - 51),
    );
    expect(dev / defined, `${s.symbol}: mean |mid / fundamental - 1| before the shock`).toBeLessThan(0.02);
  }
  // Liquidation rows reference real instruments and accounts, in the run's ticks.
  let liquidatedNotional = 0;
  for (const l of rec.liquidations) {
    expect(l.tick).toBeGreaterThanOrEqual(1);
    expect(l.tick).toBeLessThanOrEqual(TICKS);
    expect(l.account.length).toBeGreaterThan(0);
    expect(Number.isInteger(l.quantity) && l.quantity >= 0).toBe(true);
    expect(l.generation).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(l.notional) && l.notional >= 0).toBe(true);
    expect(Number.isFinite(l.badDebt)).toBe(true);
    if (l.quantity > 0) {
      expect(symbols).toContain(l.instrument);
      expect(l.price).toBeGreaterThan(0);
      liquidatedNotional += l.notional;
    }
  }
  // The per-tick liquidated notional of the series adds up to the rows'.
  const seriesNotional = rec.series.reduce((a, s) => a + s.liquidatedNotional.reduce((x, y) => x + y, 0), 0);
  expect(seriesNotional).toBeCloseTo(liquidatedNotional, 0);
  expect(Number.isFinite(rec.totals.badDebt) && rec.totals.badDebt >= 0).toBe(true);
  expect(rec.leveragedAccounts).toBeGreaterThan(0);
  // One population entry per population; each liquidation row with a quantity is an agent's.
  const pops = rec.populations ?? [];
  expect(pops.map((p) => [p.index, p.name, p.agents])).toEqual(
    config.populations.map((p, i) => [i, p.kind === "custom" ? p.name : p.kind, p.count]),
  );
  // (every population of a study has agents: none of these is null)
  for (const p of pops) {
    expect(p.pnl).toBe(p.equity! - p.capital!);
    expect(Number.isInteger(p.capital) && p.capital! >= p.agents).toBe(true);
    expect(Number.isFinite(p.equity) && p.tradedLots! >= 0 && p.tradedNotional! >= 0).toBe(true);
  }
  expect(pops.reduce((a, p) => a + p.liquidations!, 0)).toBe(
    rec.liquidations.filter((l) => l.quantity > 0).length,
  );
  const leveraged = pops.filter((p) => p.name === "leveraged").reduce((a, p) => a + p.agents, 0);
  expect(leveraged).toBe(rec.leveragedAccounts);
}

describe.each(STUDIES)("experiments/%s.ts", (name) => {
  test("validates as written, and every variant runs at a tiny size", async () => {
    const def = await load(name);
    const full = validateExperiment(def);
    expect(full.name).toBe(name);
    expect(full.replications).toBeGreaterThanOrEqual(1);
    expect(def.description?.length ?? 0).toBeGreaterThan(0);

    const symbols = full.base.market.instruments.map((i) => i.symbol);
    const point = full.sweep.points[0] ?? [];
    const liquidationsByVariant: Record<string, number> = {};
    for (const variant of full.variants) {
      const config = tiny(applyPoint(variant.config, full.sweep.params, point));
      const rec = simulateWorld(config, Rng.fromSeed(7));
      checkRecords(rec, config);
      liquidationsByVariant[variant.name] = rec.liquidations.filter((l) => l.quantity > 0).length;

      const info: RunInfo = {
        run: 0,
        variant: variant.name,
        point: 0,
        replication: 0,
        seed: 7,
        params: Object.fromEntries(full.sweep.params.map((p, i) => [p, point[i]])),
        config,
      };
      const values = computeMetrics(rec, info, full.builtIn, symbols, full.custom);
      for (const v of values) {
        if (v !== null) expect(Number.isFinite(v), `${variant.name}: a metric is ${v}`).toBe(true);
      }
    }
    if (name === "partial-vs-full") expect(liquidationsByVariant.full).toBeGreaterThan(0);
  });
});

test("a band just above the price: ticks_at_price_band counts the ticks pinned at maxPrice", async () => {
  const full = validateExperiment(await load("partial-vs-full"));
  const base = tiny(full.variants[0].config);
  const symbols = base.market.instruments.map((i) => i.symbol);
  // [ticks_at_price_band, then ticks_at_min_price_<SYM>, ticks_at_max_price_<SYM> per symbol]
  const columns = (rec: RunRecords, config: WorldConfig) => {
    const info: RunInfo = { run: 0, variant: "v", point: 0, replication: 0, seed: 7, params: {}, config };
    return computeMetrics(rec, info, ["ticks_at_price_band"], symbols, []);
  };
  const column = (rec: RunRecords, config: WorldConfig) => columns(rec, config)[0];
  // As written the study stays well inside its band (maxPrice defaults to 4 x initialPrice).
  const free = simulateWorld(base, Rng.fromSeed(7));
  expect(free.series.map((s) => s.maxPrice)).toEqual(base.market.instruments.map((i) => 4 * i.initialPrice));
  expect(column(free, base)).toBe(0);
  // The first instrument's band 0.3% above its price: the fundamental's random walk crosses it.
  const [first, ...rest] = base.market.instruments;
  const maxPrice = Math.round(first.initialPrice * 1.003);
  const tight = { ...base, market: { ...base.market, instruments: [{ ...first, maxPrice }, ...rest] } };
  const rec = simulateWorld(tight, Rng.fromSeed(7));
  expect(rec.series[0].maxPrice).toBe(maxPrice);
  const pinned = rec.series[0].price.filter((p) => p >= maxPrice - 1).length;
  expect(pinned).toBeGreaterThan(0);
  expect(column(rec, tight)).toBeGreaterThanOrEqual(pinned);
  // The edge columns say where: the first instrument's cap, exactly the pinned ticks; its floor
  // and the other instruments' edges untouched.
  const edges = columns(rec, tight).slice(1);
  expect(edges).toHaveLength(2 * symbols.length);
  expect(edges[1]).toBe(pinned);
  expect(edges.filter((_, k) => k !== 1)).toEqual(Array(edges.length - 1).fill(0));
});

test("backstop_pnl: the vault's equity at the end less its capital, blank for a policy without one", async () => {
  const full = validateExperiment(await load("partial-vs-full"));
  const symbols = full.base.market.instruments.map((i) => i.symbol);
  const value = (name: string) => {
    const variant = full.variants.find((v) => v.name === name);
    if (!variant) throw new Error(name);
    const config = tiny(variant.config);
    const rec = simulateWorld(config, Rng.fromSeed(11));
    const info: RunInfo = { run: 0, variant: name, point: 0, replication: 0, seed: 11, params: {}, config };
    return { rec, pnl: computeMetrics(rec, info, ["backstop_pnl"], symbols, [])[0] };
  };
  expect(value("full").pnl).toBeNull();
  const { rec, pnl } = value("stepwiseBackstop");
  expect(typeof pnl).toBe("number");
  // this seed's crash sends accounts to the vault, which then holds their positions at the marks
  expect(rec.liquidations.filter((l) => l.execution === "backstop").length).toBeGreaterThan(0);
  expect(pnl).not.toBe(0);
});

test("experiments/README.md names the custom metrics of every study, and no other", async () => {
  const text = readFileSync(join(REPO, "experiments/README.md"), "utf8");
  const at = text.indexOf("The studies add custom metrics");
  expect(at).toBeGreaterThan(0);
  const named = [...text.slice(at, text.indexOf(").", at)).matchAll(/`(\w+)`/g)].map((m) => m[1]);
  const studies = await Promise.all(STUDIES.map(load));
  const custom = studies.flatMap((s) => Object.keys(s.metrics?.custom ?? {}));
  expect(named.sort()).toEqual(custom.sort());
});
