/**
 * Whole runs of the default study's world: experiments/partial-vs-full.ts (3 instruments, 271
 * agents, 1,100 ticks, a shock at tick 400), simulateWorld only (no metrics, no CSV), each of its
 * four variants on the same replications. This is the time a researcher pays per run: the order
 * book plus everything around it per tick (agents, margin checks, the liquidation engine, the
 * samplers). Prints ms per run and ticks per second, the best of BENCH_REPS blocks after a warm-up
 * block (warm JIT, as in a worker running replications), and the cold first block.
 *
 *   npx tsx test/bench/world.ts (after `pnpm build`; it runs the built packages)   (BENCH_REPS=n blocks, default 5; BENCH_RUNS=n replications per block, default 6)
 */
import { Rng } from "@cascade/core";
import { makePlan, runInfo, simulateWorld, validateExperiment } from "@cascade/experiment";
import definition from "../../experiments/partial-vs-full.js";

const reps = Number(process.env.BENCH_REPS ?? 5);
const replications = Number(process.env.BENCH_RUNS ?? 6);
const plan = makePlan(validateExperiment(definition, { replications }));
const infos = Array.from({ length: plan.total }, (_, r) => runInfo(plan, r));
const ticks = infos[0].config.ticks;

function block(): number {
  const t0 = performance.now();
  for (const info of infos) simulateWorld(info.config, Rng.fromSeed(info.seed), info);
  return (performance.now() - t0) / infos.length;
}

const cold = block();
let best = Number.POSITIVE_INFINITY;
for (let k = 0; k < reps; k++) best = Math.min(best, block());
console.log(
  `world ms_per_run=${best.toFixed(2)} ticks_per_s=${Math.round((ticks * 1000) / best)} (partial-vs-full, ${infos.length} runs of ${ticks} ticks per block, best of ${reps} warm blocks)`,
);
console.log(`world cold_ms_per_run=${cold.toFixed(2)} (first block in this process)`);
