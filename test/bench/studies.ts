/**
 * Whole runs of the three heaviest studies per tick, simulateWorld only (no metrics, no CSV):
 * partial-vs-full.ts (the default study), leverage-crowding.ts and cross-asset-contagion.ts, each
 * on BENCH_RUNS runs spread evenly over its plan (sweep points and variants alike: the crowd's
 * leverage decides how much the liquidation engine works). Prints CPU ms per run of each study,
 * the best of BENCH_REPS blocks after a warm-up block, and their sum. CPU time, not wall time (see
 * world.ts). For an A/B of two builds, run it alternately in each checkout (A/B/A/B) and compare
 * the sums: one process's best block still moves a few percent with the load of the host.
 *
 *   npx tsx test/bench/studies.ts (after `pnpm build`)   (BENCH_REPS=n blocks, default 5; BENCH_RUNS=n runs per study, default 6)
 */
import { Rng } from "@cascade/core";
import {
  type ExperimentDefinition,
  makePlan,
  type RunInfo,
  runInfo,
  simulateWorld,
  validateExperiment,
} from "@cascade/experiment";
import contagion from "../../experiments/cross-asset-contagion.js";
import crowding from "../../experiments/leverage-crowding.js";
import partialVsFull from "../../experiments/partial-vs-full.js";

const reps = Number(process.env.BENCH_REPS ?? 5);
const runs = Number(process.env.BENCH_RUNS ?? 6);

/** `runs` runs spread evenly over the study's plan. */
function spread(definition: ExperimentDefinition): RunInfo[] {
  const plan = makePlan(validateExperiment(definition, {}));
  return Array.from({ length: runs }, (_, k) => runInfo(plan, Math.floor((k * plan.total) / runs)));
}

const studies: Array<[string, RunInfo[]]> = [
  ["partial-vs-full", spread(partialVsFull)],
  ["leverage-crowding", spread(crowding)],
  ["cross-asset-contagion", spread(contagion)],
];

/** CPU ms per run of one block of a study's runs. */
function block(infos: readonly RunInfo[]): number {
  const t0 = process.cpuUsage();
  for (const info of infos) simulateWorld(info.config, Rng.fromSeed(info.seed), info);
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000 / infos.length;
}

const best = studies.map(() => Number.POSITIVE_INFINITY);
for (let k = 0; k <= reps; k++) {
  studies.forEach(([, infos], s) => {
    const ms = block(infos);
    if (k > 0 && ms < best[s]) best[s] = ms; // block 0 warms the JIT
  });
}
const parts = studies.map(([name], s) => `${name}=${best[s].toFixed(2)}`);
const sum = best.reduce((x, y) => x + y, 0);
console.log(
  `studies cpu_ms_per_run ${parts.join(" ")} sum=${sum.toFixed(2)} (${runs} runs per study per block, best of ${reps} warm blocks)`,
);
