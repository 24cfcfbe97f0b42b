/**
 * Loading experiment files. A .ts experiment is bundled by esbuild, once, in the thread that loads
 * it: the file and its local imports become one ES module; packages and builtins stay imports of
 * the files they resolve to (the runner's own module instances). The bundle is written to the temp
 * folder and imported from there by the main thread and every worker, so no thread starts a
 * TypeScript loader (tsx's hooks cost each worker ~0.5 s on Node 20, where they run on a thread of
 * their own). Each bundled file keeps its own import.meta.url/filename/dirname. .js/.mjs files are
 * imported as they are. Details: the package README, "How a file is loaded".
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { threadId } from "node:worker_threads";
import { CascadeError, nearestName, ValidationError } from "@cascade/core";
import type { BuildOptions, BuildResult, Loader, Message, Plugin } from "esbuild";
import { makeFolders } from "./output-dir.js";

/** An experiment file as loaded: what worker threads need to load the same module. */
export interface ExperimentSource {
  /** Absolute path of the file. */
  file: string;
  sourceText: string;
  /**
   * sha256 of the local modules the file imports (bundled files outside node_modules, by path relative to the file's
   * folder), null without any: an edit of a helper or a custom metric in lib/ changes the
   * configuration as an edit of the file does.
   */
  importsSha256: string | null;
  /** What was imported (the bundle's URL, or the .js file's URL): worker threads import it too. */
  moduleUrl: string;
}

export interface LoadedExperiment extends ExperimentSource {
  /** The module's default export (not yet validated). */
  definition: unknown;
  /** Absolute paths of the local files the experiment is made of (the file and its bundled imports). */
  inputs: string[];
}

/** The query on the entry file's import.meta.url (see above). */
const ENTRY_QUERY = "?cascade=experiment";

/** Resolves a file argument: a path, or the name of a file in experiments/ (with or without .ts). */
export function resolveExperimentPath(arg: string, cwd = process.cwd()): string {
  const candidates = [arg, `${arg}.ts`, `experiments/${arg}`, `experiments/${arg}.ts`].map((p) =>
    resolve(cwd, p),
  );
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  // `cascade run experiments`: a folder, not a missing file.
  const folder = existsSync(candidates[0]) && statSync(candidates[0]).isDirectory();
  throw new ValidationError(
    "NOT_FOUND",
    "file",
    arg,
    `an existing experiment file (a path, or a name in experiments/)${folder ? ` (${arg} is a folder: name one of its files; cascade list --dir ${arg} lists them)` : nearestExperiment(arg, cwd) || lookedFrom(arg, cwd)}`,
    "cannot load experiment",
  );
}

/** A name without a folder, looked for in experiments/ as well. */
const isBareName = (arg: string): boolean => !arg.includes("/") && !arg.includes(sep);

/**
 * Where a relative `arg` was looked for: a script run from its own folder (runExperiment("x") in
 * ~/studies) looks there, not in Cascade's experiments/. "" for an absolute path.
 */
function lookedFrom(arg: string, cwd: string): string {
  if (isAbsolute(arg)) return "";
  return ` (looked for from ${resolve(cwd)}${isBareName(arg) ? " and its experiments/" : ""})`;
}

const EXPERIMENT_EXT = /\.(ts|mts|js|mjs)$/;

/**
 * `; did you mean "x"?` with the experiment file nearest `arg` (`partial-vs-ful` ->
 * `partial-vs-full`), written as `arg` was: a bare name is looked for in experiments/ and then
 * the current folder, a path in its own folder; "" without one.
 */
function nearestExperiment(arg: string, cwd: string): string {
  const name = basename(arg);
  const stem = name.replace(EXPERIMENT_EXT, "");
  const folders = isBareName(arg) ? [resolve(cwd, "experiments"), cwd] : [dirname(resolve(cwd, arg))];
  for (const folder of folders) {
    let files: string[];
    try {
      files = readdirSync(folder).filter((f) => EXPERIMENT_EXT.test(f) && !f.endsWith(".d.ts"));
    } catch {
      continue;
    }
    const stems = files.map((f) => f.replace(EXPERIMENT_EXT, ""));
    const near = nearestName(stem, stems);
    if (near === undefined || near === stem) continue;
    const file = files[stems.indexOf(near)];
    // A .ts file is found by its bare name (and as x.ts); others need their extension.
    const shown = name !== stem || !file.endsWith(".ts") ? file : near;
    return `; did you mean ${JSON.stringify(arg.slice(0, arg.length - name.length) + shown)}?`;
  }
  return "";
}

function loadFailed(file: string, e: unknown): ValidationError {
  const msg = e instanceof Error ? `${e.message.split("\n")[0]}${throwSite(e, file)}` : String(e);
  return new ValidationError(
    "LOAD_FAILED",
    "file",
    file,
    `a module that loads without error (${msg})`,
    "cannot load experiment",
  );
}

/**
 * Where an error thrown while the module ran comes from, as the bundle's source map gives it:
 * " at <path>:<line>:<column>" of the experiment file's own frame if the stack has one (an error
 * thrown by a package the file called), else of the first frame of its own code (a local import);
 * "" if there is none.
 */
function throwSite(e: Error, file: string): string {
  const frames = ownFrames(e.stack);
  const f = frames.find((x) => x.path === file) ?? frames[0];
  return f ? ` at ${f.path}:${f.line}:${f.column}` : "";
}

/**
 * A frame of a stack, at a file's line and column. `awaiting`: past the synchronous calls that led
 * to the throw (an "at async" frame, or one below the event loop's task or timer driver): a caller
 * awaiting them, such as a script awaiting runExperiment.
 */
export interface StackFrame {
  path: string;
  line: string;
  column: string;
  awaiting: boolean;
}

/**
 * The frames of `stack` in the experiment's own code (its file and local imports, at their .ts
 * lines through the bundle's source map), in stack order: not in node_modules, Node's internals
 * or Cascade's packages, whose frames would not send the reader to a line of theirs.
 */
export function ownFrames(stack: string | undefined): StackFrame[] {
  const frames: StackFrame[] = [];
  let awaiting = false;
  for (const line of (stack ?? "").split("\n").slice(1)) {
    // Hosts that format stacks themselves (source-map-support, vitest) drop the "async" mark; the
    // driver's frame still ends the synchronous part.
    if (/^\s*at async |\(node:internal\/(process\/task_queues|timers)[.:]/.test(line)) awaiting = true;
    // The path opens the frame's location ("at fn (/a/b.ts:1:2)", "at /a/b.ts:1:2"): Node's
    // internals ("node:internal/url:806:29") hold a slash too, but are no file.
    const m = /^\s*at (?:async )?(?:.*\()?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m || m[1].includes("/node_modules/")) continue;
    const path = m[1].startsWith("file://") ? fileURLToPath(m[1].split("?")[0]) : m[1];
    if (path.startsWith(PACKAGES_DIR)) continue;
    frames.push({ path, line: m[2], column: m[3], awaiting });
  }
  return frames;
}

/**
 * Frames an Error keeps when CASCADE_DEBUG is set. V8 keeps 10, and a researcher's frame can lie
 * under more of Cascade's (a custom simulate's simulateWorld call, 11 frames under the margin tier
 * check that new Venue makes): past them it was neither in the stack CASCADE_DEBUG prints nor
 * found by ownFrames. Only when asked: every Error made then records up to that many frames.
 */
const DEBUG_STACK_FRAMES = 100;

// Set when this module loads, in the main thread and in each worker thread (worker.ts imports it),
// before any experiment code runs; a larger limit given to node (--stack-trace-limit) is kept.
if (process.env.CASCADE_DEBUG && !(Error.stackTraceLimit >= DEBUG_STACK_FRAMES))
  Error.stackTraceLimit = DEBUG_STACK_FRAMES;

/** This package's own folder: packages an experiment file cannot find from its folder resolve from here. */
const CASCADE_DIR = fileURLToPath(new URL(".", import.meta.url));
/** The folder of Cascade's packages (packages/ in the repository), with a trailing separator. */
const PACKAGES_DIR = `${resolve(CASCADE_DIR, "..", "..")}${sep}`;

/**
 * Packages and builtins stay imports, by the absolute URL they resolve to from the importing file,
 * or, failing that, from Cascade's own installation: an experiment file kept outside the
 * repository (with no node_modules above it) still finds @cascade/* and their dependencies.
 */
const packagesAsUrls: Plugin = {
  name: "cascade-packages-as-urls",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === packagesAsUrls) return undefined; // our own build.resolve below
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      const from = (resolveDir: string) =>
        build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir,
          pluginData: packagesAsUrls,
        });
      let r = await from(args.resolveDir);
      if (r.errors.length > 0) {
        const own = await from(CASCADE_DIR);
        if (own.errors.length > 0) return { errors: r.errors };
        r = own;
      }
      // Builtins come back external under their bare name.
      if (r.external || !isAbsolute(r.path)) return { path: r.path || args.path, external: true };
      // TypeScript (a tsconfig path alias to a local file, a package shipping .ts) is bundled; what
      // Node imports natively stays an import, so it is the module instance the runner uses.
      if (/\.[cm]?tsx?$/.test(r.path)) return { path: r.path };
      return { path: pathToFileURL(r.path).href, external: true };
    });
  },
};

/**
 * esbuild.build, restarting esbuild's background service once if it has died: an interrupt sent to
 * the process group (a notebook kernel's interrupt button) kills it, and every later build failed
 * with "The service is no longer running", blamed on the experiment file.
 */
async function esbuildBuild<T extends BuildOptions>(options: T): Promise<BuildResult<T>> {
  // Imported on first use: commands that load no TypeScript (merge, .js experiments) skip it.
  const esbuild = await import("esbuild");
  try {
    return (await esbuild.build(options as never)) as BuildResult<T>;
  } catch (e) {
    if (!/service (is no longer running|was stopped)/.test(String((e as Error)?.message))) throw e;
    await esbuild.stop();
    return (await esbuild.build(options as never)) as BuildResult<T>;
  }
}

/** esbuild's loader for a source file, by extension. */
const LOADERS: Record<string, Loader> = { ts: "ts", mts: "ts", cts: "ts", tsx: "tsx", jsx: "jsx" };

/** Each bundled source file keeps its own import.meta.url / filename / dirname (see the header). */
function ownImportMeta(entry: string): Plugin {
  return {
    name: "cascade-own-import-meta",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        // The file is read here once and handed to esbuild, which would otherwise read it again.
        const src = readFileSync(args.path, "utf8");
        const url = pathToFileURL(args.path).href + (args.path === entry ? ENTRY_QUERY : "");
        const values: Record<string, string> = { url, filename: args.path, dirname: dirname(args.path) };
        const contents = src.replace(/\bimport\.meta\.(url|filename|dirname)\b/g, (_, k: string) =>
          JSON.stringify(values[k]),
        );
        const ext = args.path.slice(args.path.lastIndexOf(".") + 1);
        return { contents, loader: LOADERS[ext] ?? "js" };
      });
    },
  };
}

/**
 * esbuild's first error as "file:line:column: text" (its own message starts "Build failed with N
 * errors"). A string, not an Error: the location is esbuild's, and an Error made here would add
 * this loader's own frame (" at .../load.js:...") to the message.
 */
function firstBuildError(e: unknown): unknown {
  const errors = (
    e as {
      errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }>;
    }
  )?.errors;
  const first = errors?.[0];
  if (!first) return e;
  const at = first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : "";
  return `${at}${first.text}`;
}

/**
 * Refuses a key written twice in one object literal of the experiment or its local imports (esbuild
 * warns; tsc, which validation does not run, errors): JavaScript keeps the last silently, so a
 * copied variant line left with its old name replaced the first variant and the study ran without it.
 */
function refuseDuplicateKeys(warnings: readonly Message[], dir: string): void {
  for (const w of warnings) {
    const at = w.location;
    if (w.id !== "duplicate-object-key" || !at) continue;
    const path = resolve(dir, at.file);
    if (path.split(sep).includes("node_modules")) continue;
    const first = w.notes[0]?.location;
    const key = /"(.*)"/.exec(w.text)?.[1] ?? at.lineText.slice(at.column, at.column + at.length);
    throw new ValidationError(
      "DUPLICATE_KEY",
      `${path}:${at.line}:${at.column + 1}`,
      key,
      `a key written once in its object literal (JavaScript keeps this one and drops the one${first ? ` at line ${first.line}` : ""} without a word: rename or remove one of them)`,
      "invalid experiment file",
    );
  }
}

/** The file and its local imports as one ES module (text), packages left as URL imports; and those files. */
async function bundle(file: string): Promise<{ code: string; inputs: string[] }> {
  const dir = dirname(file);
  const out = await esbuildBuild({
    entryPoints: [file],
    bundle: true,
    write: false,
    // Never written (write: false): it names the output so that the map's source paths come out
    // relative to the experiment's folder.
    outfile: join(dir, "cascade-bundle.mjs"),
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "external",
    sourcesContent: false,
    logLevel: "silent",
    plugins: [packagesAsUrls, ownImportMeta(file)],
  });
  refuseDuplicateKeys(out.warnings, process.cwd());
  const js = out.outputFiles.find((f) => f.path.endsWith(".mjs"));
  const map = out.outputFiles.find((f) => f.path.endsWith(".map"));
  if (!js || !map) throw new Error("esbuild returned no bundle");
  // Absolute source paths, so stack traces name the .ts files wherever the bundle is imported from.
  const json = JSON.parse(map.text) as { sources: string[] };
  json.sources = json.sources.map((s) => resolve(dir, s));
  const code = js.text.replace(/\/\/# sourceMappingURL=.*\s*$/, "");
  return {
    code: `${code}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(json)).toString("base64")}\n`,
    inputs: json.sources,
  };
}

/**
 * The local modules a .js experiment imports (itself first), for the manifest's imports hash and
 * gitDirty: Node imports the file as it is, so esbuild only walks its imports (packages external).
 * A walk that fails leaves the file alone; importing it reports the real error.
 */
async function localModules(file: string): Promise<string[]> {
  const dir = dirname(file);
  let warnings: Message[];
  let inputs: string[];
  try {
    const out = await esbuildBuild({
      entryPoints: [file],
      bundle: true,
      write: false,
      metafile: true,
      packages: "external",
      format: "esm",
      platform: "node",
      absWorkingDir: dir,
      logLevel: "silent",
    });
    warnings = out.warnings;
    const found = Object.keys(out.metafile.inputs).map((f) => resolve(dir, f));
    inputs = [file, ...found.filter((f) => f !== file)];
  } catch {
    return [file];
  }
  refuseDuplicateKeys(warnings, dir);
  return inputs;
}

/**
 * Where a bundle is imported from: a file named by its content's hash in the OS temp folder
 * (`cascade-bundles-<uid>/`; written once, atomically, shared by every process that loads the same code;
 * bundles not loaded for BUNDLE_MAX_AGE_MS are pruned, and temporary files as old),
 * so stack traces map through its source map to the .ts lines, which Node does not do for a
 * `data:` URL. If that folder cannot be written, a `data:` URL.
 */
function bundleUrl(code: string): string {
  const dir = bundleDir();
  const path = join(dir, `${sha256(code).slice(0, 32)}.mjs`);
  try {
    if (existsSync(path)) {
      const now = new Date();
      utimesSync(path, now, now); // in use: not pruned
    } else {
      // Not writeFileAtomic: processes loading the same experiment at once (shards on one machine)
      // write the same file, so each needs a temporary name of its own; and a cache needs no fsync.
      makeFolders(dir);
      const tmp = `${path}.${process.pid}.${threadId}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, path);
      pruneBundles(dir);
    }
    return pathToFileURL(path).href;
  } catch {
    return `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`;
  }
}

/** The bundle folder: one per user (`cascade-bundles-<uid>`), as a shared temp folder may hold others'. */
export function bundleDir(): string {
  const uid = process.getuid?.();
  return join(tmpdir(), uid === undefined ? "cascade-bundles" : `cascade-bundles-${uid}`);
}

/** Bundles not loaded for this long are removed when a new one is written (each edit makes one). */
export const BUNDLE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

function pruneBundles(dir: string): void {
  const cutoff = Date.now() - BUNDLE_MAX_AGE_MS;
  for (const name of readdirSync(dir)) {
    // A bundle, or the temporary file of a process killed before its rename (bundleUrl): as old, not another's still writing.
    if (!/^[0-9a-f]{32}\.mjs(\.\d+\.\d+\.tmp)?$/.test(name)) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).mtimeMs < cutoff) unlinkSync(p);
    } catch {
      // Another process pruned or touched it first.
    }
  }
}

/** The default export of an experiment module (a CommonJS `exports.default` unwrapped). */
export async function importExperimentModule(moduleUrl: string, file: string): Promise<unknown> {
  // Stack traces through a bundle's inline source map point at the .ts lines.
  if (!moduleUrl.endsWith(ENTRY_QUERY)) process.setSourceMapsEnabled(true);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof CascadeError) {
      // Refused while the file ran (a preset's unknown option, say): the message names the preset's
      // field, not the variant, so say where in the file.
      const site = throwSite(e, file).trim();
      if (site === "") throw e;
      const Refused = e instanceof ValidationError ? ValidationError : CascadeError;
      throw new Refused(e.code, e.field, e.value, e.allowed, `${e.context} (${site})`);
    }
    throw loadFailed(file, e);
  }
  let def = mod.default;
  if (def && typeof def === "object" && "default" in def && !("name" in def))
    def = (def as { default: unknown }).default;
  if (def === undefined) {
    throw new ValidationError(
      "NO_DEFAULT_EXPORT",
      "default export",
      undefined,
      `export default defineExperiment({...}) (${namedExports(mod)})`,
      "invalid experiment",
    );
  }
  return def;
}

/**
 * What a module without a default export exports instead, and the export that looks like the
 * experiment (an object with a name and replications): `export const study = defineExperiment(...)`
 * is the usual slip.
 */
function namedExports(mod: Record<string, unknown>): string {
  const names = Object.keys(mod).filter((k) => k !== "default");
  if (names.length === 0) return "the file exports nothing";
  const study = names.find((k) => {
    const x = mod[k] as { name?: unknown } | null;
    return typeof x === "object" && x !== null && typeof x.name === "string" && "replications" in x;
  });
  const hint = study === undefined ? "" : `; ${study} looks like the experiment: export default ${study};`;
  return `the file exports ${names.join(", ")} but nothing as default${hint}`;
}

export async function loadExperimentFile(arg: string, cwd = process.cwd()): Promise<LoadedExperiment> {
  const file = resolveExperimentPath(arg, cwd);
  const sourceText = readFileSync(file, "utf8");
  let moduleUrl: string;
  let inputs = [file];
  if (/\.(js|mjs)$/.test(file)) {
    // A query makes this a module instance of its own, so a file that is also the entry script
    // (a benchmark or notebook that defines and runs its experiment) is not imported into itself.
    moduleUrl = `${pathToFileURL(file).href}${ENTRY_QUERY}`;
    inputs = await localModules(file);
  } else {
    let code: string;
    try {
      ({ code, inputs } = await bundle(file));
    } catch (e) {
      if (e instanceof ValidationError) throw e;
      throw loadFailed(file, firstBuildError(e));
    }
    moduleUrl = bundleUrl(code);
  }
  const definition = await importExperimentModule(moduleUrl, file);
  return { definition, file, sourceText, importsSha256: importsHash(file, inputs), moduleUrl, inputs };
}

/**
 * A source file's text as hashed for the manifest: CRLF read as LF, so a checkout that converts
 * line endings (git core.autocrlf on Windows) is the same configuration (JavaScript reads a CRLF
 * in a template literal as LF too).
 */
export function sourceForHash(text: string): string {
  return text.replace(/\r\n/g, "\n");
}

/** The SHA-256 of a text, in hex: the manifest's hashes and the bundle cache's file names. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function importsHash(file: string, inputs: readonly string[]): string | null {
  const dir = dirname(file);
  // A package shipping TypeScript is bundled too, but it is a dependency, not the study's code, and
  // its path (node_modules/.pnpm/<name>@<version>/...) differs between installations.
  const imports = inputs
    .filter((f) => f !== file && !f.split(sep).includes("node_modules"))
    .map((f) => relative(dir, f).split(sep).join("/"))
    .sort();
  if (imports.length === 0) return null;
  const h = createHash("sha256");
  for (const f of imports) h.update(`${f}\0${sourceForHash(readFileSync(resolve(dir, f), "utf8"))}\0`);
  return h.digest("hex");
}
