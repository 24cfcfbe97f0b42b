/**
 * `pnpm bench`: runs each benchmark in its own Node process (so heaps and JIT
 * state do not leak between them) and prints their result lines. Benchmarks
 * report ratios measured within one run: these machines are shared and noisy.
 *
 *   pnpm bench            all benchmarks
 *   pnpm bench lob clock  only those named
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BENCHES } from "./names.js";

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length > 0 ? wanted : BENCHES;
const tsx = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));
let failed = 0;
for (const name of names) {
  if (!BENCHES.includes(name)) {
    console.error(`bench ${name}: no such benchmark (have: ${BENCHES.join(", ")})`);
    failed++;
    continue;
  }
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  console.error(`# bench ${name}`);
  // (tsx's CLI runs the file in a child process of its own: Node or V8 flags placed before it would
  // not reach the benchmark, so none are passed.)
  const r = spawnSync(process.execPath, [tsx, file], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`bench ${name}: exited with ${r.status ?? r.signal}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
