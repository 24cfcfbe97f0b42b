import { marketMakers, noiseTraders, type PopulationSpec } from "@cascade/agents";
import { Rng } from "@cascade/core";
import {
  defineExperiment,
  type ExperimentDefinition,
  type InstrumentSeries,
  type RunRecords,
  simulateWorld,
  validateExperiment,
  type WorldConfig,
} from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { vi } from "vitest";

export function series(symbol: string, mids: number[]): InstrumentSeries {
  const n = mids.length;
  const f = (g: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => g(i));
  return {
    symbol,
    initialPrice: mids[0],
    minPrice: 1,
    maxPrice: 4 * Math.round(mids[0]),
    mid: Float64Array.from(mids),
    price: Float64Array.from(mids),
    bestBid: f((i) => Math.floor(mids[i] - 1)),
    bestAsk: f((i) => Math.ceil(mids[i] + 1)),
    spread: f(() => 2),
    depthBid: f((i) => 10 + (i % 3)),
    depthAsk: f((i) => 12 - (i % 2)),
    volume: f((i) => i % 4),
    liquidatedNotional: f(() => 0),
    fundamental: f((i) => mids[i]),
  };
}

/**
 * A fake world: a random walk whose drop after the shock depends on the policy's close fraction,
 * so variants differ in a known direction; one liquidation per run. Deterministic in the rng.
 */
export function fakeSimulate(config: WorldConfig, rng: Rng): RunRecords {
  const ticks = config.ticks;
  const shockTick = config.shocks[0]?.atTick ?? 1;
  const amount = config.liquidation.amount as { kind: string; fraction?: number };
  const severity = amount.kind === "closeFactor" ? (amount.fraction ?? 1) : 1;
  const out: InstrumentSeries[] = config.market.instruments.map((ins) => {
    const mids: number[] = [];
    let p = ins.initialPrice;
    for (let t = 1; t <= ticks; t++) {
      p *= 1 + 0.001 * rng.normal();
      if (t === shockTick) p *= 1 - 0.05 * severity;
      mids.push(Math.round(p * 2) / 2);
    }
    return series(ins.symbol, mids);
  });
  return {
    ticks,
    shockTick,
    series: out,
    liquidations: [
      {
        id: 0,
        tick: shockTick,
        account: "=leveraged[0].1",
        instrument: config.market.instruments[0].symbol,
        side: "sell",
        quantity: 3,
        price: 99,
        notional: 297,
        mark: 100,
        slippage: 0.01 * severity + 0.001 * rng.uniform(),
        penalty: 3,
        badDebt: 0,
        execution: "marketSweep",
        cascadeId: 0,
        generation: 1,
        cause: -1,
      },
    ],
    totals: { badDebt: 0, insuranceDraw: 0, adlVolume: 0 },
    leveragedAccounts: 10,
  };
}

export function fakeExperiment(over: Partial<ExperimentDefinition> = {}): ExperimentDefinition {
  return defineExperiment({
    name: "fake",
    description: "fake world for runner tests",
    seed: 7,
    market: {
      instruments: [
        { symbol: "X", initialPrice: 100 },
        { symbol: "Y", initialPrice: 50 },
      ],
    },
    fundamentals: { kind: "randomWalk", volatility: 0.001 },
    populations: [marketMakers({ count: 1 }), noiseTraders({ count: 5 })],
    shocks: [{ kind: "fundamentalDrop", instrument: "X", atTick: 10, fraction: 0.1 }],
    liquidation: presets.fullClose(),
    variants: {
      full: presets.fullClose(),
      half: { liquidation: presets.closeFactor({ fraction: 0.5 }) },
    },
    replications: 5,
    ticks: 40,
    sampleEvery: 10,
    simulate: fakeSimulate,
    ...over,
  });
}

/** Two instruments (AAA at 1000, BBB at 500, 10% / 8% margin) for the small built-in-world tests. */
const twoInstruments = {
  instruments: [
    { symbol: "AAA", initialPrice: 1000, margin: { initial: 0.1, maintenance: 0.08 } },
    { symbol: "BBB", initialPrice: 500, margin: { initial: 0.1, maintenance: 0.08 } },
  ],
};

/** One run of the built-in world over `populations` on twoInstruments (full close, one replication). */
export function smallWorld(
  populations: PopulationSpec[],
  over: Partial<ExperimentDefinition> & { name: string; seed: number; ticks: number },
): RunRecords {
  const def = defineExperiment({
    market: twoInstruments,
    fundamentals: { kind: "meanReverting", volatility: 0.0005, meanReversion: 0.01 },
    populations,
    liquidation: presets.fullClose(),
    replications: 1,
    ...over,
  });
  return simulateWorld(validateExperiment(def).variants[0].config, Rng.fromSeed(def.seed));
}

/**
 * `cascade <args>` run in this process (cli.ts's main, from source), for a test whose vi.mock must
 * reach the command: its exit code and everything it wrote to stderr.
 */
export async function cascadeInProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const { main } = await import("../../packages/experiment/src/cli.js");
  let stderr = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stderr };
  } finally {
    spy.mockRestore();
  }
}
