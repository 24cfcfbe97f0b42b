/** The benchmarks `pnpm bench` runs (test/bench/<name>.ts each), in the order it runs them. */
export const BENCHES: readonly string[] = [
  "lob",
  "clock",
  "liq",
  "liqstress",
  "rmsc04",
  "world",
  "studies",
  "venue",
  "memory",
  "sweep",
];
