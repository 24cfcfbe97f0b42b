// experiments/examples/gap-vs-drawdown.ts
import { defineExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import study from "../partial-vs-full.js";

export default defineExperiment({
  ...study,
  name: "gap-vs-drawdown",
  variants: {
    full: presets.fullClose(),
    stepwiseBackstop: presets.stepwise({ minNotional: 50_000, cooldownTicks: 30 }),
  },
  sweep: { "shocks.0.overTicks": [1, 50] },
  sweepReference: "shocks.0.overTicks",
});
