import type { ExperimentDefinition } from "./types.js";

/**
 * Declares an experiment: the default export of an experiment file.
 *
 * ```ts
 * export default defineExperiment({ name: "partial-vs-full", seed: 1, market: {...}, ... });
 * ```
 *
 * Returns its argument unchanged (typed): validation happens when the file is loaded by
 * `cascade validate|run` or `runExperiment`, so every error names its path.
 */
export function defineExperiment(definition: ExperimentDefinition): ExperimentDefinition {
  return definition;
}
