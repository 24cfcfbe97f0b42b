/**
 * Whole runs of the default study's world: experiments/partial-vs-full.ts (3 instruments, 271
 * agents, 1,100 ticks, a shock at tick 400), simulateWorld only (no metrics, no CSV), each of its
 * four variants on the same replications. This is the time a researcher pays per run: the order
 * book plus everything around it per tick (agents, margin checks, the liquidation engine, the
 * samplers). Prints CPU ms per run and ticks per CPU second, the best of BENCH_REPS blocks after a
 * warm-up block (warm JIT, as in a worker running replications), and the cold first block. CPU time
 * (process.cpuUsage, user + system), not wall time: on a shared host wall time counts the time the
 * other processes hold the core (eight blocks of one process at load ~13: wall 194-319 ms per run,
 * CPU 46-59 ms). The wall time of the block picked is printed beside it.
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

/** CPU ms per run of one block (and its wall ms per run, printed for comparison). */
function block(): { cpu: number; wall: number } {
  const w0 = performance.now();
  const t0 = process.cpuUsage();
  for (const info of infos) simulateWorld(info.config, Rng.fromSeed(info.seed), info);
  const t = process.cpuUsage(t0);
  return { cpu: (t.user + t.system) / 1000 / infos.length, wall: (performance.now() - w0) / infos.length };
}

const cold = block();
let best = { cpu: Number.POSITIVE_INFINITY, wall: Number.POSITIVE_INFINITY };
for (let k = 0; k < reps; k++) {
  const b = block();
  if (b.cpu < best.cpu) best = b;
}
console.log(
  `world cpu_ms_per_run=${best.cpu.toFixed(2)} ticks_per_cpu_s=${Math.round((ticks * 1000) / best.cpu)} wall_ms_per_run=${best.wall.toFixed(2)} (partial-vs-full, ${infos.length} runs of ${ticks} ticks per block, best of ${reps} warm blocks by CPU time)`,
);
console.log(
  `world cold_cpu_ms_per_run=${cold.cpu.toFixed(2)} cold_wall_ms_per_run=${cold.wall.toFixed(2)} (first block in this process)`,
);
