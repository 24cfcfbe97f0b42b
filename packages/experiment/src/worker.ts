/**
 * Piscina worker: loads the experiment file once per thread (tsx), rebuilds the same plan as the
 * main thread (checked by fingerprint) and executes runs by index. Returns the journal line, rows
 * already formatted as CSV, so the main thread only appends it.
 */
import { workerData } from "node:worker_threads";
import { executeRun } from "./execute.js";
import { encodeResult } from "./journal.js";
import { loadExperimentFile } from "./load.js";
import { makePlan, type Plan } from "./plan.js";
import { type ValidateOverrides, validateExperiment } from "./validate.js";

export interface WorkerData {
  file: string;
  overrides: ValidateOverrides;
  fingerprint: string;
}

let planPromise: Promise<Plan> | undefined;

async function loadPlan(d: WorkerData): Promise<Plan> {
  const loaded = await loadExperimentFile(d.file);
  const plan = makePlan(validateExperiment(loaded.definition, d.overrides), {
    sourceText: loaded.sourceText,
    manifest: false,
  });
  if (plan.fingerprint !== d.fingerprint) {
    throw new Error(
      `experiment ${d.file} resolved to a different configuration in a worker thread than in the main thread: its config must not depend on random numbers, time or the environment`,
    );
  }
  return plan;
}

export default async function runTask(task: { run: number }): Promise<string> {
  planPromise ??= loadPlan(workerData as WorkerData);
  const plan = await planPromise;
  return encodeResult(plan, executeRun(plan, task.run));
}
