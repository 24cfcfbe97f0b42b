/**
 * `pnpm bench` runs the benchmarks BENCHES names (test/bench/names.ts): a script added to
 * test/bench without its name there would never run, and a name without its script would make
 * `pnpm bench` fail. (That each script compiles is checked by `pnpm typecheck`, whose test
 * tsconfig includes test/bench.)
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { BENCHES } from "./names.js";

/** The scripts of test/bench that are benchmarks: not the runner, its list, or tests. */
const NOT_BENCHES = new Set(["run.ts", "names.ts"]);

test("BENCHES names each benchmark script of test/bench, once", () => {
  const dir = fileURLToPath(new URL(".", import.meta.url));
  const scripts = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !NOT_BENCHES.has(f))
    .map((f) => f.slice(0, -3));
  expect([...BENCHES].sort()).toEqual(scripts.sort());
  expect(new Set(BENCHES).size).toBe(BENCHES.length);
});
