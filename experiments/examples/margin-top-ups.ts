// experiments/examples/margin-top-ups.ts
import { defineExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { background, leveragedCrowd } from "../lib/three-assets.js";
import study from "../partial-vs-full.js";

export default defineExperiment({
  ...study,
  name: "margin-top-ups",
  populations: [
    ...background(),
    leveragedCrowd({
      activation: { poissonRate: 0.01 },
      marginTopUp: { below: 1.2, to: 1.5, reserveOfCapital: 0.5 },
    }),
  ],
  variants: {
    full: presets.fullClose(),
    stepwiseBackstop: presets.stepwise({ minNotional: 50_000, cooldownTicks: 30 }),
  },
  // a reserve of 0: the same crowd without top-ups (same seeds and draws)
  sweep: { "populations.leveraged.marginTopUp.reserveOfCapital": [0, 0.5] },
  sweepReference: "populations.leveraged.marginTopUp.reserveOfCapital",
  replications: 20,
  metrics: {
    custom: { topped_up: (r) => r.populations?.find((p) => p.name === "leveraged")?.toppedUp ?? null },
  },
});
