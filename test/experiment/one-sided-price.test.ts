/**
 * The run's `price` series (timeseries.csv `price`; drawdown, recovery and volatility read it)
 * while a side of the book is empty: the last trade, but never beyond the side still quoted.
 */
import {
  customAgents,
  fundamentalists,
  leveragedTraders,
  marketMakers,
  noiseTraders,
  type PopulationSpec,
} from "@cascade/agents";
import type { ExperimentDefinition } from "@cascade/experiment";
import { BUY, SELL } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { smallWorld } from "./helpers.js";

const world = (populations: PopulationSpec[], over: Partial<ExperimentDefinition> = {}) =>
  smallWorld(populations, { name: "one-sided", seed: 5, ticks: 4, ...over });

describe("price on ticks with one side of the book empty", () => {
  test("a quote posted through the last trade bounds the price: the ask below it, the bid above it", () => {
    // Tick 1: a resting order at the initial price (AAA a bid at 1000, BBB an ask at 500).
    const resting = customAgents({
      name: "rester",
      count: 2,
      capital: 1e8,
      activation: { once: 1 },
      instruments: ["AAA", "BBB"],
      create: (view, { instrument, index }) => ({
        act() {
          if (index === 0) view.limit(instrument, BUY, 1, 1000);
          else view.limit(instrument, SELL, 1, 500);
        },
      }),
    });
    // Tick 2: it is taken (the last trade, and the only side goes), then a quote through it rests.
    const takers = customAgents({
      name: "taker",
      count: 2,
      capital: 1e8,
      activation: { once: 2 },
      instruments: ["AAA", "BBB"],
      create: (view, { instrument, index }) => ({
        act() {
          if (index === 0) {
            view.ioc(instrument, SELL, 1, 1000);
            view.limit(instrument, SELL, 5, 990);
          } else {
            view.ioc(instrument, BUY, 1, 500);
            view.limit(instrument, BUY, 5, 510);
          }
        },
      }),
    });
    const rec = world([resting, takers]);
    const [aaa, bbb] = rec.series;
    // Tick 2 (index 1): the mid is undefined; the last trades were 1000 and 500.
    expect([aaa.bestBid[1], aaa.bestAsk[1], aaa.mid[1]]).toEqual([0, 990, Number.NaN]);
    expect([bbb.bestBid[1], bbb.bestAsk[1], bbb.mid[1]]).toEqual([510, 0, Number.NaN]);
    // One could buy AAA at 990 and sell BBB at 510: the old last trades are not the price.
    expect(aaa.price[1]).toBe(990);
    expect(bbb.price[1]).toBe(510);
    // Ticks 3 and 4: nothing trades, the quotes stay.
    expect([aaa.price[3], bbb.price[3]]).toEqual([990, 510]);
  });

  test("a cascade: the price is never above the best ask nor below the best bid", () => {
    const rec = world(
      [
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
      ],
      {
        ticks: 300,
        shocks: [
          { kind: "fundamentalDrop", instrument: "AAA", atTick: 60, fraction: 0.08 },
          { kind: "marketSell", instrument: "AAA", atTick: 61, quantity: 500 },
        ],
      },
    );
    let oneSided = 0;
    for (const s of rec.series) {
      for (let i = 0; i < rec.ticks; i++) {
        if (s.bestAsk[i] > 0) expect(s.price[i]).toBeLessThanOrEqual(s.bestAsk[i]);
        if (s.bestBid[i] > 0) expect(s.price[i]).toBeGreaterThanOrEqual(s.bestBid[i]);
        if (Number.isNaN(s.mid[i])) oneSided++;
      }
    }
    expect(oneSided).toBeGreaterThan(0);
  });
});
