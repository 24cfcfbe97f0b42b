// experiments/examples/crowd-before-shock.ts
import { defineExperiment, type RunRecords } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { crowdEntry } from "../lib/three-assets.js";
import study from "../partial-vs-full.js";

/** the lots the leveraged crowd bought on entry, per instrument */
const crowdLots = (r: RunRecords) =>
  (r.populations?.find((p) => p.name === "leveraged")?.tradedLots ?? Number.NaN) / r.series.length;

/** lots bid within 1% of the mid (depthBand), mean over the instruments and the ticks after the last entry */
function bidDepth(r: RunRecords): number {
  let sum = 0;
  let n = 0;
  for (const s of r.series)
    for (let t = crowdEntry.once.max + 1; t <= r.ticks; t++)
      if (Number.isFinite(s.depthBid[t - 1])) {
        sum += s.depthBid[t - 1];
        n++;
      }
  return sum / n;
}

// partial-vs-full's world up to the tick before its shock: the size of the crowd's book against the
// depth that is to absorb its forced sales (the calibration experiments/README.md quotes)
export default defineExperiment({
  ...study,
  name: "crowd-before-shock",
  description: "The default study's crowd after its entries (ticks 5-300), before the shock at tick 400",
  shocks: [],
  variants: { full: presets.fullClose() },
  ticks: 399,
  replications: 20,
  metrics: {
    builtIn: ["liquidated_notional"],
    custom: {
      crowd_lots: crowdLots,
      bid_depth: bidDepth,
    },
  },
});
