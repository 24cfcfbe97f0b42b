/**
 * A merge of more shard folders than the process may open files at once (a cluster's array job
 * of one run per task, under a limit of open files): the merge read every shard's journal through
 * a descriptor kept open to the end, and failed with a bare EMFILE past the limit (120 shards at
 * `ulimit -n 100`). It keeps a few open at a time and writes what a single run writes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runExperiment } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";
import tiny from "./fixtures/tiny.js";
import { OUTPUT_FILES, REPO, readAll, requireBuilt } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-merge-many-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// 2 variants x 20 replications: 40 shards of one run each.
const REPLICATIONS = 20;
const SHARDS = 40;
// Enough for Node to start and load Cascade (about 20 descriptors), fewer than SHARDS more.
const OPEN_FILES = 48;

test.skipIf(process.platform === "win32")(
  `a merge of ${SHARDS} shard folders under ulimit -n ${OPEN_FILES} writes the single run's files`,
  async () => {
    requireBuilt();
    const single = join(tmp, "single");
    await runExperiment(tiny, { out: single, workers: 0, replications: REPLICATIONS });
    const dirs: string[] = [];
    for (let i = 1; i <= SHARDS; i++) {
      const out = join(tmp, `shard-${i}`);
      await runExperiment(tiny, { out, workers: 0, replications: REPLICATIONS, shard: `${i}/${SHARDS}` });
      dirs.push(out);
    }
    const script = join(tmp, "merge.mjs");
    writeFileSync(
      script,
      `import { mergeResults } from ${JSON.stringify(pathToFileURL(join(REPO, "packages/experiment/dist/index.js")).href)};
const [out, ...dirs] = process.argv.slice(2);
await mergeResults(dirs, { out });
`,
    );
    const merged = join(tmp, "merged");
    const r = spawnSync(
      "sh",
      ["-c", `ulimit -n ${OPEN_FILES} && exec "$@"`, "sh", process.execPath, script, merged, ...dirs],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const want = readAll(single);
    const got = readAll(merged);
    for (const f of OUTPUT_FILES) expect(got[f], f).toBe(want[f]);
  },
);
