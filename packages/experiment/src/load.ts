/**
 * Loading experiment files. TypeScript files are loaded through tsx's ESM hooks, registered once
 * per thread (main thread and every worker) with `register()` from `tsx/esm/api`; plain .js/.mjs
 * files work too. (tsx's namespaced `tsImport` is avoided on purpose: it re-imports every
 * dependency as a fresh module instance, which costs seconds per thread.)
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CascadeError, ValidationError } from "@cascade/core";

let tsxRegistered: Promise<void> | undefined;

export interface LoadedExperiment {
  /** The module's default export (not yet validated). */
  definition: unknown;
  /** Absolute path of the file. */
  file: string;
  sourceText: string;
}

/** Resolves a file argument: a path, or the name of a file in experiments/ (with or without .ts). */
export function resolveExperimentPath(arg: string, cwd = process.cwd()): string {
  const candidates = [arg, `${arg}.ts`, `experiments/${arg}`, `experiments/${arg}.ts`].map((p) =>
    resolve(cwd, p),
  );
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  throw new ValidationError(
    "NOT_FOUND",
    "file",
    arg,
    "an existing experiment file (a path, or a name in experiments/)",
    "cannot load experiment",
  );
}

export async function loadExperimentFile(arg: string, cwd = process.cwd()): Promise<LoadedExperiment> {
  const file = resolveExperimentPath(arg, cwd);
  const sourceText = readFileSync(file, "utf8");
  let mod: { default?: unknown };
  try {
    if (!/\.(js|mjs)$/.test(file)) {
      // Imported on first use: tsx (with esbuild) costs ~45 ms to import, which plain .js
      // experiments and commands that load no experiment (merge) need not pay. One promise, so
      // concurrent loads register the hooks once.
      tsxRegistered ??= import("tsx/esm/api").then(({ register }) => {
        register();
      });
      await tsxRegistered;
    }
    // A query makes this a module instance of its own, so a file that is also the entry script
    // (a benchmark or notebook that defines and runs its experiment) is not imported into itself.
    mod = (await import(`${pathToFileURL(file).href}?cascade=experiment`)) as { default?: unknown };
  } catch (e) {
    if (e instanceof CascadeError) throw e;
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new ValidationError(
      "LOAD_FAILED",
      "file",
      file,
      `a module that loads without error (${msg})`,
      "cannot load experiment",
    );
  }
  let def = mod.default;
  // tsx may wrap a CommonJS-style default export.
  if (def && typeof def === "object" && "default" in def && !("name" in def))
    def = (def as { default: unknown }).default;
  if (def === undefined) {
    throw new ValidationError(
      "NO_DEFAULT_EXPORT",
      "default export",
      undefined,
      "export default defineExperiment({...})",
      "invalid experiment",
    );
  }
  return { definition: def, file, sourceText };
}
