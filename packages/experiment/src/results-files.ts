/**
 * The files of a results folder by name, and what its run-info.json says of its shard. Only
 * node:fs and node:path are imported here: the CLI reads these at start-up, before (or without)
 * loading the runner, the output writer or the world.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The run journal (journal.ts): kept by a shard's and an interrupted run's folder. */
export const JOURNAL_FILE = "journal.jsonl";

/**
 * What a JournalError, or a journal missing runs after running (a RunFailure), advises; the CLI names
 * its command and flag instead (asFlags).
 */
export const JOURNAL_ADVICE = "rerun runExperiment with options.resume";

/** The final files of a run or merge (output.ts writes them). */
export const FILES = {
  manifest: "manifest.json",
  runInfo: "run-info.json",
  runs: "runs.csv",
  summary: "summary.csv",
  comparison: "comparison.csv",
  timeseries: "timeseries.csv",
  liquidations: "liquidations.csv",
} as const;

/** Written by the report module after a run; removed with the other files when a new run starts. */
export const REPORT_FILE = "report.html";

/**
 * run-info.json's shard in `dir` ("i/N" as written, unchecked; null: a run without a shard, or a
 * merge) and the runs it holds (runs.total, when a number); undefined when the file is missing or
 * unreadable or its shard is neither a string nor null.
 */
export function runInfoShard(dir: string): { shard: string | null; runs: number | undefined } | undefined {
  let info: { shard?: unknown; runs?: { total?: unknown } };
  try {
    info = JSON.parse(readFileSync(join(dir, FILES.runInfo), "utf8"));
  } catch {
    return undefined;
  }
  const shard = info?.shard;
  if (shard !== null && typeof shard !== "string") return undefined;
  const runs = info.runs?.total;
  return { shard, runs: typeof runs === "number" ? runs : undefined };
}
