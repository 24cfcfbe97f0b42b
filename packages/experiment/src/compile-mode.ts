/**
 * Where worker isolates compile their optimized code.
 *
 * By default V8 compiles hot functions with TurboFan on its shared background threads. That is free
 * while a core is idle, which is the case with fewer workers than cores. When the pool has a thread
 * for every core, that background compilation competes with the simulations for the same cores, and
 * it costs more CPU than compiling in place. Each worker isolate compiles its own code, about 1.3 s
 * of TurboFan per isolate in place and about 1.9 s in the background. On the sweep bench (600 runs,
 * 2 workers on 2 cores), V8's background threads used 4.8 s of CPU, against 1.4 s with compilation
 * in place.
 *
 * So a pool that fills every core starts its workers with V8's `--no-concurrent-recompilation`.
 * V8 reads that flag once per isolate, when the isolate is created, and decides each compilation
 * from that isolate's own setting. The flag is therefore switched off before such a pool starts
 * and stays off while any such pool lives. It is switched back on when the last one closes.
 * Isolates created earlier, the main thread's among them, keep compiling in the background.
 * Node keeps V8 flags writable after start-up (`--no-freeze-flags-after-init`), and V8 only
 * consults the per-isolate setting, so both directions are safe. A process started with either
 * form of the flag is left as it is.
 */
import { setFlagsFromString } from "node:v8";

let inPlacePools = 0;

/** True when the process was started with either form of the flag: then it is not touched. */
function userChoseCompileMode(execArgv: readonly string[]): boolean {
  // V8 spells a negation --no-x, --no_x or --nox, and takes - and _ alike inside names.
  return execArgv.some((a) => /^--(no[-_]?)?concurrent[-_]recompilation(=|$)/.test(a));
}

/**
 * Call before creating a pool of `workers` threads on a machine with `cores` cores. Returns the
 * function to call once the pool has been destroyed.
 */
export function enterPoolCompileMode(
  workers: number,
  cores: number,
  execArgv: readonly string[] = process.execArgv,
): () => void {
  if (workers < cores || userChoseCompileMode(execArgv)) return () => {};
  if (inPlacePools++ === 0) setFlagsFromString("--no-concurrent-recompilation");
  let left = false;
  return () => {
    if (left) return;
    left = true;
    if (--inPlacePools === 0) setFlagsFromString("--concurrent-recompilation");
  };
}

/** Pools currently compiling in place (for tests). */
export function inPlaceCompilePools(): number {
  return inPlacePools;
}
