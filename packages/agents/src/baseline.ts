/**
 * The default background market: populations that, without leverage or shocks, give a market with
 * a bounded spread and the stylized facts of returns (see test/agents/market.test.ts), but linear,
 * not square-root, meta-order impact and no leverage-made tails (README.md; test/agents/impact.test.ts,
 * leverage-tails.test.ts).
 */
import type { PopulationSpec } from "./spec.js";
import { fundamentalists, marketMakers, momentumTraders, noiseTraders } from "./spec.js";

export interface BaselineOptions {
  /** Scales the agent counts (default 1). */
  scale?: number;
  /** Restrict to these symbols (default: every instrument). */
  instruments?: string[];
}

export function baselinePopulations(options: BaselineOptions = {}): PopulationSpec[] {
  const k = options.scale ?? 1;
  const ins = options.instruments ? { instruments: options.instruments } : {};
  const c = (n: number) => Math.max(1, Math.round(n * k));
  return [
    marketMakers({ count: c(2), ...ins }),
    noiseTraders({ count: c(500), activation: { poissonRate: 0.002 }, activityFeedback: 2, ...ins }),
    fundamentalists({ count: c(100), aggression: 0.2, threshold: 0.001, observationNoise: 0.0005, ...ins }),
    momentumTraders({ count: c(12), ...ins }),
  ];
}
