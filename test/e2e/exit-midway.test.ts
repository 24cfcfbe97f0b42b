/**
 * A process that exits part-way (process.exit: what the CLI's second Ctrl-C does) leaves the
 * journal and nothing else: no run.lock, no `.tmp` file, no final file, wherever the exit lands.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, test } from "vitest";
import { REPO, requireBuilt, TINY } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-exit-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const script = join(tmp, "exit-midway.mjs");
writeFileSync(
  script,
  `import { existsSync } from "node:fs";
import { join } from "node:path";
import { runExperiment } from ${JSON.stringify(pathToFileURL(join(REPO, "packages/experiment/dist/index.js")).href)};
const [file, out, when] = process.argv.slice(2);
await runExperiment(file, {
  out,
  workers: 0,
  replications: 4,
  onStart: (run) => {
    // Checked on every turn of the event loop, where a signal handler would run.
    const poll = () => {
      const now = when === "runs" ? run.finished() >= 1 : existsSync(join(out, when));
      if (now) process.exit(130);
      setImmediate(poll);
    };
    poll();
  },
});
process.exit(0);
`,
);

for (const when of [
  "runs",
  "runs.csv.cascade.tmp",
  "summary.csv.cascade.tmp",
  "comparison.csv.cascade.tmp",
]) {
  test(`process.exit once ${when === "runs" ? "a run is done" : `${when} is being written`}: only the journal is left`, () => {
    requireBuilt();
    const out = join(tmp, when);
    const r = spawnSync(process.execPath, [script, TINY, out, when], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(130);
    expect(readdirSync(out)).toEqual(["journal.jsonl"]);
  });
}
