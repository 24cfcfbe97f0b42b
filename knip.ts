// Knip (`pnpm lint`) reports files, exports and dependencies nothing uses. Entry points: each package's
// src/index.ts (its public face) and the CLI, the tests, benchmarks, experiments and notebooks.

/** A notebook's code cells, so what the notebooks import and call counts as used. */
const notebookCode = (text: string): string =>
  (JSON.parse(text) as { cells: { cell_type: string; source: string[] | string }[] }).cells
    .filter((cell) => cell.cell_type === "code")
    .map((cell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source))
    .join("\n");

export default {
  compilers: { ipynb: notebookCode },
  // @lazy marks an export that cli.ts reaches only through heavy()'s spread of dynamic imports, which
  // knip cannot follow.
  tags: ["-lazy"],
  workspaces: {
    ".": {
      entry: [
        "test/**/*.test.ts",
        "test/bench/*.ts",
        "test/**/fixtures/**/*.{ts,mjs}",
        "experiments/**/*.ts",
        "notebooks/*.ipynb",
      ],
      project: ["test/**/*.ts", "experiments/**/*.ts", "notebooks/*.ipynb"],
      // notebooks/execute.sh installs the tslab kernel globally; the notebooks import its display helpers.
      ignoreDependencies: ["tslab"],
      // A load-test fixture imports a missing file on purpose (test/experiment/load.test.ts).
      ignoreUnresolved: ["./lib/does-not-exist.js"],
    },
    "packages/agents": {
      // fundamentals.ts loads mathjs lazily through createRequire, which knip does not read.
      ignoreDependencies: ["mathjs"],
    },
    "packages/experiment": {
      // bin/cascade.js imports dist/cli.js by URL; worker.ts is the worker pool's file (runner.ts workerFile).
      entry: ["src/cli.ts", "src/worker.ts"],
    },
  },
};
