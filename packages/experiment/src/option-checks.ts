/**
 * The checks runExperiment and mergeResults share on their options object: a script run without a
 * type check (tsx) must not lose a typo or a wrong value silently. Errors name `options.<key>`,
 * which the CLI maps to its flags (asFlags).
 */
import { existsSync, statSync } from "node:fs";
import { suggestName, ValidationError } from "@cascade/core";

/** `options` is an object whose keys are all in `keys`. */
export function checkOptionKeys(options: unknown, keys: readonly string[], context: string): void {
  if (options === null || typeof options !== "object" || Array.isArray(options))
    throw new ValidationError(
      "INVALID_OPTION",
      "options",
      options,
      `an object of options (${keys.join(", ")})`,
      context,
    );
  for (const key of Object.keys(options)) {
    if (!keys.includes(key))
      throw new ValidationError(
        "UNKNOWN_OPTION",
        "option",
        key,
        `one of ${keys.join(", ")}${suggestName(key, keys)}`,
        context,
      );
  }
}

/** options.signal: undefined or an AbortSignal (one from another realm passes: it is duck-typed). */
export function checkSignal(signal: unknown, context: string): void {
  if (
    signal !== undefined &&
    (signal === null ||
      typeof (signal as AbortSignal).aborted !== "boolean" ||
      typeof (signal as AbortSignal).addEventListener !== "function")
  )
    throw new ValidationError(
      "INVALID_OPTION",
      "options.signal",
      signal,
      "an AbortSignal (new AbortController().signal)",
      context,
    );
}

const PROGRESS_MODES: readonly unknown[] = [true, false, "auto", "bar", "lines"];

/** options.progress: undefined or a ProgressMode. */
export function checkProgressMode(progress: unknown, context: string): void {
  if (progress !== undefined && !PROGRESS_MODES.includes(progress))
    throw new ValidationError(
      "INVALID_OPTION",
      "options.progress",
      progress,
      'true, false, "auto", "bar" or "lines"',
      context,
    );
}

/**
 * options.<field> (out, cwd): undefined or a path, a string with more than spaces: a number or an
 * object reached `path.resolve` and failed there as a TypeError naming none of the caller's words.
 */
export function checkPathOption(value: unknown, field: string, context: string): void {
  if (value !== undefined && (typeof value !== "string" || value.trim() === ""))
    throw new ValidationError("INVALID_OPTION", `options.${field}`, value, "a path (not empty)", context);
}

/**
 * options.cwd: undefined or a path (checkPathOption) to an existing folder: relative paths are
 * resolved against it, and a missing one was created (mkdir -p) under a relative `out`.
 */
export function checkCwdOption(cwd: unknown, context: string): void {
  checkPathOption(cwd, "cwd", context);
  if (cwd === undefined) return;
  const kind = existsSync(cwd as string)
    ? statSync(cwd as string).isDirectory()
      ? null
      : "it is a file"
    : "it does not exist";
  if (kind !== null)
    throw new ValidationError(
      "INVALID_OPTION",
      "options.cwd",
      cwd,
      `an existing folder, the base of relative paths (${kind})`,
      context,
    );
}

/** options.<field>: undefined or a count, an integer >= 1 (a report's number of paths or points). */
export function checkCountOption(value: unknown, field: string, context: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 1))
    throw new ValidationError("INVALID_OPTION", `options.${field}`, value, "an integer >= 1", context);
}
