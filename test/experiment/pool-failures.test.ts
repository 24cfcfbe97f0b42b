/**
 * The worker pool's report of what failed: a run's own failure names that run, and a journal that
 * could not be written as well is mentioned after it, not reported instead of it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareRun } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";
import { JournalError } from "../../packages/experiment/src/journal.js";
import type { ExperimentSource } from "../../packages/experiment/src/load.js";
import { runGroups } from "../../packages/experiment/src/plan.js";
import { runPool } from "../../packages/experiment/src/runner.js";

const root = mkdtempSync(join(tmpdir(), "cascade-pool-failures-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tinyPath = fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url)).replace(/\.ts$/, ".js");

test("a run that fails after the journal failed is the error reported, with the journal's failure mentioned", async () => {
  const file = join(root, "slow-failure.ts");
  const delivered = join(root, "first-result-delivered");
  // Run 1 fails only once a result has reached the main thread (whose journal line then failed):
  // the other worker, or this one before it, delivers one.
  writeFileSync(
    file,
    `import { existsSync } from "node:fs";
import { defineExperiment } from "@cascade/experiment";
import tiny from ${JSON.stringify(tinyPath)};
export default defineExperiment({
  ...tiny,
  replications: 4,
  ticks: 80,
  metrics: {
    custom: {
      slow_failure: (_r, run) => {
        if (run.variant === "full" && run.replication === 1) {
          const until = Date.now() + 30_000;
          while (!existsSync(${JSON.stringify(delivered)}) && Date.now() < until);
          throw new Error("custom metric broke");
        }
        return 1;
      },
    },
  },
});
`,
  );
  const prep = await prepareRun(file, { workers: 2, out: join(root, "out") });
  const groups = runGroups(
    prep.plan,
    Array.from({ length: prep.plan.total }, (_, r) => r),
  );
  const journal = join(root, "out", "journal.jsonl");
  let appended = 0;
  const onDone = () => {
    appended++;
    writeFileSync(delivered, "");
    throw new JournalError(
      journal,
      Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }),
    );
  };
  const err = await runPool(prep.plan, prep.source as ExperimentSource, {}, 2, groups, onDone).then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(appended).toBe(1);
  expect(err?.name).toBe("RunFailure");
  expect(err?.message).toMatch(
    /^run 1 failed \(variant "full", point 0, replication 1, seed \d+\): custom metric failed.*custom metric broke.*; the run journal failed as well: cannot write the run journal .*journal\.jsonl \(ENOSPC: no space left on device, write\); the runs it holds are kept: fix the cause and rerun runExperiment with options\.resume$/,
  );
});

test("a journal that fails with no run failing is reported as the JournalError", async () => {
  const options = { workers: 2, replications: 2, out: join(root, "out2") };
  const prep = await prepareRun(fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url)), options);
  const groups = runGroups(
    prep.plan,
    Array.from({ length: prep.plan.total }, (_, r) => r),
  );
  const failure = new JournalError(join(root, "out2", "journal.jsonl"), new Error("EIO: i/o error, write"));
  const err = await runPool(prep.plan, prep.source as ExperimentSource, options, 2, groups, () => {
    throw failure;
  }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBe(failure);
});
