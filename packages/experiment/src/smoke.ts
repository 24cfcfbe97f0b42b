/**
 * `cascade validate`'s smoke run: replication 0 of the baseline (or of each variant) at sweep
 * point 0, run in full and in-process, so that the experiment's own code that only a run calls
 * (custom metrics, custom agents' act, custom triggers, a custom simulate) fails before a
 * `cascade run` meets it, and a custom metric returning a string, an object or undefined is refused. A metric's value can depend on the run (a first liquidation
 * that does not come), so a metric blank in every smoke run is a note, not an error: a run
 * accepts null, NaN and the infinities as a blank cell.
 */
import { CascadeError, ValidationError } from "@cascade/core";
import { executeRun } from "./execute.js";
import { type Plan, runInfo } from "./plan.js";
import { runFailure } from "./runner.js";
import type { ValidatedExperiment } from "./validate.js";

/**
 * What of the experiment's own code only a run calls (validate tries custom populations' create
 * and custom triggers on a scratch market, never agents' act, a trigger mid-run or simulate), in
 * words: ["custom metrics", "custom agents", ...]; empty when a smoke run has nothing to try.
 */
export function codeOnlyARunCalls(exp: ValidatedExperiment): string[] {
  const configs = exp.variants.map((v) => v.config);
  return [
    exp.custom.length > 0 ? "custom metrics" : "",
    configs.some((c) => c.populations.some((p) => p.kind === "custom")) ? "custom agents" : "",
    configs.some((c) => c.liquidation.trigger.kind === "custom") ? "custom triggers" : "",
    exp.simulate ? "a custom simulate" : "",
  ].filter((what) => what !== "");
}

export interface SmokeRun {
  run: number;
  variant: string;
  seed: number;
}

export interface SmokeOutcome {
  runs: SmokeRun[];
  /** Custom metrics blank (null, NaN, an infinity) in every smoke run. */
  blank: string[];
}

/** The runs a smoke run makes: replication 0 at point 0 of the baseline, or of each variant. */
export function smokeRunList(plan: Plan, everyVariant: boolean): SmokeRun[] {
  const variants = everyVariant ? plan.exp.variants.map((_, v) => v) : [plan.exp.baseline];
  return variants.map((v) => {
    const info = runInfo(plan, v * plan.replications);
    return { run: info.run, variant: info.variant, seed: info.seed };
  });
}

/**
 * Runs them. A custom metric's invalid value is a ValidationError naming the metric, the value,
 * what is allowed and the smoke run; another failure is a RunFailure, as `cascade run` reports it.
 */
export function smokeRuns(plan: Plan, everyVariant: boolean): SmokeOutcome {
  const runs = smokeRunList(plan, everyVariant);
  const first = plan.metricColumns.length - plan.exp.custom.length;
  const everBlank = plan.exp.custom.map(() => true);
  for (const r of runs) {
    let metrics: Array<number | null>;
    try {
      metrics = executeRun(plan, r.run).metrics;
    } catch (e) {
      if (e instanceof CascadeError && e.code === "INVALID_METRIC_VALUE")
        throw new ValidationError(
          e.code,
          e.field,
          e.value,
          e.allowed,
          `invalid custom metric (validate's smoke run: variant "${r.variant}", point 0, replication 0, seed ${r.seed})`,
        );
      throw runFailure(plan, r.run, e, "validate's smoke run");
    }
    plan.exp.custom.forEach((_, k) => {
      if (metrics[first + k] !== null) everBlank[k] = false;
    });
  }
  return { runs, blank: plan.exp.custom.filter((_, k) => everBlank[k]).map(([name]) => name) };
}
