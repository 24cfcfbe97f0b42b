// experiments/examples/shock-size.ts
import { defineExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import study from "../partial-vs-full.js";

// partial-vs-full's world under full close with a smaller BTC shock: how often a cascade (generation
// >= 2) follows a 5%, 7% or 10% drop (the figures experiments/README.md quotes under "Shock size")
export default defineExperiment({
  ...study,
  name: "shock-size",
  description: "The default study's market under full close, BTC shocked by 5%, 7% or 10%",
  variants: { full: presets.fullClose() },
  sweep: { "shocks.0.fraction": [0.05, 0.07, 0.1] },
  sweepReference: "shocks.0.fraction",
  replications: 30,
});
