/**
 * `cascade validate`'s smoke run: replication 0 of the baseline (or of each variant) at sweep
 * point 0, or of the baseline at every sweep point, run in full and in-process, so that the
 * experiment's own code that only a run calls (custom metrics, custom agents' act, custom
 * triggers, amount rules and orderings, a custom simulate) fails before a `cascade run` meets it,
 * and a custom metric returning a string, an object or undefined is refused. A metric's value can
 * depend on the run (a first liquidation that does not come), so a metric blank in every smoke run
 * is a note, not an error: a run accepts null, NaN and the infinities as a blank cell.
 */
import { CascadeError, ValidationError } from "@cascade/core";
import { executeRun } from "./execute.js";
import { type Plan, runInfo } from "./plan.js";
import { runFailure } from "./runner.js";
import type { ValidatedExperiment } from "./validate.js";

/**
 * What of the experiment's own code only a run calls (validate tries custom populations' create
 * and a policy's custom functions on a scratch market, never agents' act, those functions mid-run
 * or simulate), in words: ["custom metrics", "custom agents", ...]; empty when a smoke run has
 * nothing to try. `variants`: only those variants' (indices; default all).
 */
export function codeOnlyARunCalls(
  exp: ValidatedExperiment,
  variants: readonly number[] = exp.variants.map((_, v) => v),
): string[] {
  const configs = variants.map((v) => exp.variants[v].config);
  return [
    exp.custom.length > 0 ? "custom metrics" : "",
    configs.some((c) => c.populations.some((p) => p.kind === "custom")) ? "custom agents" : "",
    configs.some((c) => c.liquidation.trigger.kind === "custom") ? "custom triggers" : "",
    configs.some((c) => c.liquidation.amount.kind === "custom") ? "custom amount rules" : "",
    configs.some((c) => typeof c.liquidation.ordering === "object") ? "custom orderings" : "",
    exp.simulate ? "a custom simulate" : "",
  ].filter((what) => what !== "");
}

interface SmokeRun {
  run: number;
  variant: string;
  point: number;
  seed: number;
}

/**
 * Which runs a smoke run makes (replication 0 each): the baseline's at point 0, each variant's at
 * point 0, or the baseline's at every sweep point (code a later point reaches: a population swept
 * from 0 agents).
 */
type SmokeWhich = "baseline" | "variants" | "points";

export interface SmokeOutcome {
  runs: SmokeRun[];
  /** Custom metrics blank (null, NaN, an infinity) in every smoke run. */
  blank: string[];
}

/** The runs a smoke run makes (SmokeWhich), in run order. */
function smokeRunList(plan: Plan, which: SmokeWhich): SmokeRun[] {
  const variants = which === "variants" ? plan.exp.variants.map((_, v) => v) : [plan.exp.baseline];
  const points = which === "points" ? Array.from({ length: plan.points }, (_, p) => p) : [0];
  return points.flatMap((p) =>
    variants.map((v) => {
      // run = (point * variants + variant) * replications + replication (plan.ts)
      const info = runInfo(plan, (p * plan.variants + v) * plan.replications);
      return { run: info.run, variant: info.variant, point: info.point, seed: info.seed };
    }),
  );
}

/**
 * Runs them. A custom metric's invalid value is a ValidationError naming the metric, the value,
 * what is allowed and the smoke run; another failure is a RunFailure, as `cascade run` reports it.
 */
export function smokeRuns(plan: Plan, which: SmokeWhich): SmokeOutcome {
  const runs = smokeRunList(plan, which);
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
          `invalid custom metric (validate's smoke run: variant "${r.variant}", point ${r.point}, replication 0, seed ${r.seed})`,
        );
      throw runFailure(plan, r.run, e, "validate's smoke run");
    }
    plan.exp.custom.forEach((_, k) => {
      if (metrics[first + k] !== null) everBlank[k] = false;
    });
  }
  return { runs, blank: plan.exp.custom.filter((_, k) => everBlank[k]).map(([name]) => name) };
}
