// experiments/examples/frozen-vs-free.ts
import { defineExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { background, leveragedCrowd } from "../lib/three-assets.js";
import study from "../partial-vs-full.js";

// partial-vs-full's market and shock with a crowd that keeps rebalancing (after the shock too),
// under the stepwise rule with its account lock on and off
export default defineExperiment({
  ...study,
  name: "frozen-vs-free",
  description: "Stepwise + backstop with the liquidated account frozen vs free to trade, a rebalancing crowd",
  populations: [...background(), leveragedCrowd({ activation: { poissonRate: 0.01 } })],
  variants: {
    frozen: presets.stepwise({ minNotional: 50_000, cooldownTicks: 30 }),
    free: presets.stepwise({ minNotional: 50_000, cooldownTicks: 30, whileLiquidating: "free" }),
  },
  baseline: "frozen",
  replications: 20,
});
