/**
 * Piscina worker: imports the experiment module the main thread loaded (the same URL: for a
 * TypeScript file, the main thread's bundle, so no TypeScript loader starts here), rebuilds the same
 * plan as the main thread (checked by fingerprint) and executes runs by index. Returns the journal
 * lines, rows already formatted as CSV, so the main thread only appends them.
 */
import { workerData } from "node:worker_threads";
import { executeRuns } from "./execute.js";
import { encodeResult } from "./journal.js";
import { type ExperimentSource, importExperimentModule } from "./load.js";
import { makePlan, type Plan } from "./plan.js";
import { type ValidateOverrides, validateExperiment } from "./validate.js";

export interface WorkerData extends ExperimentSource {
  overrides: ValidateOverrides;
  fingerprint: string;
  /**
   * One byte per run, shared with the main thread: 1 once the run has started here, 2 once its
   * result is ready. A worker that dies (process.exit, out of memory) fails every run it held;
   * the main thread blames the one that had started and not finished.
   */
  runState?: SharedArrayBuffer;
}

let planPromise: Promise<Plan> | undefined;

async function loadPlan(d: WorkerData): Promise<Plan> {
  const definition = await importExperimentModule(d.moduleUrl, d.file);
  const plan = makePlan(validateExperiment(definition, d.overrides), {
    sourceText: d.sourceText,
    importsSha256: d.importsSha256,
    manifest: false,
  });
  if (plan.fingerprint !== d.fingerprint) {
    throw new Error(
      `experiment ${d.file} resolved to a different configuration in a worker thread than in the main thread: its config must not depend on random numbers, time or the environment`,
    );
  }
  return plan;
}

const state = (workerData as WorkerData | null)?.runState;
const runState = state ? new Uint8Array(state) : undefined;

/** Runs of one group (runGroups: the same config and seed, simulated once); a journal line each. */
export default async function runTask(task: { runs: number[] }): Promise<string[]> {
  planPromise ??= loadPlan(workerData as WorkerData);
  const plan = await planPromise;
  // Each run is marked started, then done as its result is ready: a run of the group that fails
  // (a custom metric) is the first one still marked started, and the main thread names it.
  if (runState) for (const run of task.runs) Atomics.store(runState, run, 1);
  const done = runState ? (run: number) => Atomics.store(runState, run, 2) : undefined;
  return executeRuns(plan, task.runs, done).map((r) => encodeResult(plan, r));
}
