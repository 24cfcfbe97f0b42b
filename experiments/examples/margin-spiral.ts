// experiments/examples/margin-spiral.ts
import { defineExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { margin, market } from "../lib/three-assets.js";
import study from "../partial-vs-full.js";

// Brunnermeier & Pedersen's margin spiral: the default study's market and 10% BTC shock under full
// close, with every instrument's margin rates multiplied by the mark's realised volatility per tick
// over the last 50 ticks / 0.002 (reviewed every 10 ticks; the calm market's 50-tick volatility
// stays under it, the crash's goes far above), capped at maxMultiplier: 1 (fixed margins, the
// reference point), 1.5 (a cap) or 3.
const volatility = { windowTicks: 50, everyTicks: 10, reference: 0.002, maxMultiplier: 1 };

export default defineExperiment({
  ...study,
  name: "margin-spiral",
  description:
    "Fixed vs volatility-linked margins (capped at 1.5x, 3x) after the default study's 10% BTC shock",
  market: {
    ...market,
    instruments: market.instruments.map((i) => ({
      ...i,
      margin: { ...margin, volatility: { ...volatility } },
    })),
  },
  variants: { full: presets.fullClose() },
  // * is every instrument: one value written to each (BTC, ETH, SOL), one column in runs.csv
  sweep: { "market.instruments.*.margin.volatility.maxMultiplier": [1, 1.5, 3] },
  sweepReference: "market.instruments.*.margin.volatility.maxMultiplier",
  replications: 30,
});
