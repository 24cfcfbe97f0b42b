import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import {
  BUNDLE_MAX_AGE_MS,
  bundleDir,
  loadExperimentFile,
  resolveExperimentPath,
} from "../../packages/experiment/src/load.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (f: string) => join(here, "fixtures", "load", f);
const bundleText = (moduleUrl: string) => readFileSync(fileURLToPath(moduleUrl), "utf8");

describe("loadExperimentFile (TypeScript, bundled)", async () => {
  const entry = fixture("entry.ts");
  const loaded = await loadExperimentFile(entry);
  const mod = await import(loaded.moduleUrl);

  test("returns the default export, the source and the bundle's URL, which workers import", async () => {
    expect((loaded.definition as { name: string }).name).toBe("load-fixture");
    expect(loaded.file).toBe(entry);
    expect(loaded.sourceText).toContain('name: "load-fixture"');
    // A file in the temp folder named by the content's hash: loading again gives the same URL.
    expect(loaded.moduleUrl).toMatch(/\/cascade-bundles-\d+\/[0-9a-f]{32}\.mjs$/);
    expect(dirname(fileURLToPath(loaded.moduleUrl))).toBe(bundleDir());
    expect(bundleDir().startsWith(tmpdir())).toBe(true);
    expect((await loadExperimentFile(entry)).moduleUrl).toBe(loaded.moduleUrl);
  });

  test("a killed esbuild service (a notebook kernel's interrupt) is restarted: the next load works", async () => {
    const { execFileSync } = await import("node:child_process");
    const children = () =>
      execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" })
        .split("\n")
        .map((l) => l.trim().split(/\s+/))
        .filter(([pid, comm]) => pid && comm?.includes("esbuild"))
        .map(([pid]) => Number(pid));
    const service = children();
    expect(service.length).toBeGreaterThan(0);
    for (const pid of service) process.kill(pid, "SIGINT");
    await new Promise((r) => setTimeout(r, 200));
    expect(children()).toEqual([]);
    expect(((await loadExperimentFile(entry)).definition as { name: string }).name).toBe("load-fixture");
  });

  test("each bundled file keeps its own import.meta; the entry's url carries the runner's query", () => {
    expect(mod.entryUrl).toBe(`${pathToFileURL(entry).href}?cascade=experiment`);
    expect(mod.entryFilename).toBe(entry);
    expect(mod.libUrl).toBe(pathToFileURL(fixture("lib/where.ts")).href);
    expect(mod.libDirname).toBe(fixture("lib"));
  });

  test("packages stay imports of the files the runner itself loads (one module instance)", () => {
    const code = bundleText(loaded.moduleUrl);
    const coreDist = realpathSync(join(here, "../../packages/core/dist/index.js"));
    expect(code).toContain(`from "${pathToFileURL(coreDist).href}"`);
    // Local modules are inside the bundle, not imported.
    expect(code).not.toMatch(/from "[^"]*where/);
    expect(typeof mod.coreNamespace.Rng).toBe("function");
  });

  test("stack traces point at the .ts source lines (inline source map)", () => {
    const stack = (mod.makeError() as Error).stack ?? "";
    expect(stack).toContain(`(${fixture("lib/where.ts")}:6:`);
  });

  test("writing a new bundle prunes bundles not loaded for a week and a killed writer's temporary file as old; loading one keeps it", async () => {
    const saved = process.env.TMPDIR;
    const tmp = mkdtempSync(join(tmpdir(), "cascade-prune-"));
    process.env.TMPDIR = tmp;
    try {
      const dir = bundleDir();
      mkdirSync(dir);
      const stale = join(dir, `${"a".repeat(32)}.mjs`);
      const recent = join(dir, `${"b".repeat(32)}.mjs`);
      const other = join(dir, "notes.txt");
      // what a process killed between writing a bundle and renaming it left
      const staleTemp = join(dir, `${"c".repeat(32)}.mjs.4242.0.tmp`);
      const freshTemp = join(dir, `${"d".repeat(32)}.mjs.4243.1.tmp`);
      for (const f of [stale, recent, other, staleTemp, freshTemp]) writeFileSync(f, "export default 1;\n");
      const old = new Date(Date.now() - BUNDLE_MAX_AGE_MS - 60_000);
      utimesSync(stale, old, old);
      utimesSync(other, old, old);
      utimesSync(staleTemp, old, old);
      utimesSync(recent, new Date(Date.now() - BUNDLE_MAX_AGE_MS + 60_000), new Date());
      const first = await loadExperimentFile(fixture("entry.ts"));
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(recent)).toBe(true);
      expect(existsSync(other)).toBe(true); // not a bundle
      expect(existsSync(staleTemp)).toBe(false);
      expect(existsSync(freshTemp)).toBe(true); // may be another process's, still writing
      // Loading it again touches it, so a long study's bundle is never pruned under it.
      const mine = fileURLToPath(first.moduleUrl);
      utimesSync(mine, old, old);
      await loadExperimentFile(fixture("entry.ts"));
      expect(statSync(mine).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("falls back to a data: URL when the temp folder cannot be written", async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(fixture("entry.ts"), "tmp"); // under a file: mkdir fails (ENOTDIR)
    try {
      const l = await loadExperimentFile(fixture("entry.ts"));
      expect(l.moduleUrl.startsWith("data:text/javascript;base64,")).toBe(true);
      expect((l.definition as { name: string }).name).toBe("load-fixture");
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  test("an unresolvable import names the file, line and specifier", async () => {
    const err = await loadExperimentFile(fixture("bad-import.ts")).catch((e) => e);
    expect(err.code).toBe("LOAD_FAILED");
    expect(err.message).toMatch(/bad-import\.ts:4:\d+: Could not resolve "\.\/lib\/does-not-exist\.js"\)$/);
    // esbuild's location is the whole story: no frame of the loader's own code after it
    expect(err.message).not.toMatch(/load\.(ts|js)/);
  });

  test("a .mjs experiment's local imports are hashed and listed too (Node imports it unbundled)", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "cascade-imports-js-"));
    try {
      mkdirSync(join(tmp, "lib"));
      writeFileSync(join(tmp, "lib", "x.mjs"), "export const x = 1;\n");
      writeFileSync(
        join(tmp, "exp.mjs"),
        'import { x } from "./lib/x.mjs";\nexport default { name: "e" + x };\n',
      );
      const first = await loadExperimentFile(join(tmp, "exp.mjs"));
      expect(first.definition).toEqual({ name: "e1" });
      expect(first.inputs).toEqual([join(tmp, "exp.mjs"), join(tmp, "lib", "x.mjs")]);
      expect(first.importsSha256).toMatch(/^[0-9a-f]{64}$/);
      writeFileSync(join(tmp, "lib", "x.mjs"), "export const x = 2;\n");
      expect((await loadExperimentFile(join(tmp, "exp.mjs"))).importsSha256).not.toBe(first.importsSha256);
      writeFileSync(join(tmp, "alone.mjs"), 'export default { name: "a" };\n');
      expect((await loadExperimentFile(join(tmp, "alone.mjs"))).importsSha256).toBeNull();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("importsSha256 hashes the local modules, not a TypeScript package bundled from node_modules", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "cascade-imports-"));
    try {
      // A package shipping .ts is bundled, but like any package it is not the study's own code (and
      // its path, e.g. under node_modules/.pnpm/<name>@<version>/, differs between installations).
      mkdirSync(join(tmp, "node_modules", "tspkg"), { recursive: true });
      writeFileSync(join(tmp, "node_modules", "tspkg", "package.json"), '{"name":"tspkg","main":"index.ts"}');
      writeFileSync(join(tmp, "node_modules", "tspkg", "index.ts"), "export const k: number = 3;\n");
      writeFileSync(
        join(tmp, "pkg-only.ts"),
        'import { k } from "tspkg";\nexport default { name: "p" + k };\n',
      );
      const pkgOnly = await loadExperimentFile(join(tmp, "pkg-only.ts"));
      expect(pkgOnly.inputs.some((f) => f.includes("node_modules"))).toBe(true);
      expect(pkgOnly.importsSha256).toBeNull();
      mkdirSync(join(tmp, "lib"));
      writeFileSync(join(tmp, "lib", "l.ts"), "export const l: number = 4;\n");
      writeFileSync(
        join(tmp, "with-lib.ts"),
        'import { k } from "tspkg";\nimport { l } from "./lib/l.js";\nexport default { name: "p" + k + l };\n',
      );
      const before = (await loadExperimentFile(join(tmp, "with-lib.ts"))).importsSha256;
      expect(before).toMatch(/^[0-9a-f]{64}$/);
      writeFileSync(
        join(tmp, "node_modules", "tspkg", "index.ts"),
        "export const k: number = 3; // edited\n",
      );
      expect((await loadExperimentFile(join(tmp, "with-lib.ts"))).importsSha256).toBe(before);
      // a checkout with CRLF line endings (git core.autocrlf) is the same code
      writeFileSync(join(tmp, "lib", "l.ts"), "// l\r\nexport const l: number = 4;\r\n");
      const crlf = (await loadExperimentFile(join(tmp, "with-lib.ts"))).importsSha256;
      writeFileSync(join(tmp, "lib", "l.ts"), "// l\nexport const l: number = 4;\n");
      expect((await loadExperimentFile(join(tmp, "with-lib.ts"))).importsSha256).toBe(crlf);
      writeFileSync(join(tmp, "lib", "l.ts"), "export const l: number = 5;\n");
      expect((await loadExperimentFile(join(tmp, "with-lib.ts"))).importsSha256).not.toBe(before);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("a key written twice in an object literal is refused, naming the file, line, column and key", async () => {
    // JavaScript keeps the last key without a word: a copied variant line left with its old name
    // replaced the first variant, and the study ran without it.
    const tmp = mkdtempSync(join(tmpdir(), "cascade-dup-"));
    try {
      const variants = "  variants: {\n    full: { a: 1 },\n    half: { a: 2 },\n    full: { a: 3 },\n  },\n";
      writeFileSync(join(tmp, "dup.ts"), `export default {\n  name: "dup",\n${variants}};\n`);
      const err = await loadExperimentFile(join(tmp, "dup.ts")).catch((e) => e);
      expect(err.code).toBe("DUPLICATE_KEY");
      expect(err.message).toBe(
        `invalid experiment file: ${join(tmp, "dup.ts")}:6:5 = "full"; allowed: a key written once in its object literal (JavaScript keeps this one and drops the one at line 4 without a word: rename or remove one of them)`,
      );
      // in a local import, and in a .mjs experiment (imported as it is), too
      mkdirSync(join(tmp, "lib"));
      writeFileSync(join(tmp, "lib", "v.ts"), `export const v = {\n  a: 1,\n  a: 2,\n};\n`);
      writeFileSync(
        join(tmp, "uses.ts"),
        'import { v } from "./lib/v.js";\nexport default { name: "u", v };\n',
      );
      const inLib = await loadExperimentFile(join(tmp, "uses.ts")).catch((e) => e);
      expect(inLib.code).toBe("DUPLICATE_KEY");
      expect(inLib.field).toBe(`${join(tmp, "lib", "v.ts")}:3:3`);
      writeFileSync(join(tmp, "dup.mjs"), `export default {\n  name: "dup",\n${variants}};\n`);
      const js = await loadExperimentFile(join(tmp, "dup.mjs")).catch((e) => e);
      expect(js.code).toBe("DUPLICATE_KEY");
      expect(js.field).toBe(`${join(tmp, "dup.mjs")}:6:5`);
      // the same keys in different objects are fine
      writeFileSync(join(tmp, "ok.ts"), 'export default { name: "ok", a: { x: 1 }, b: { x: 2 } };\n');
      expect(((await loadExperimentFile(join(tmp, "ok.ts"))).definition as { name: string }).name).toBe("ok");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("an error while the module is evaluated is a LOAD_FAILED with its message, file, line and column", async () => {
    const err = await loadExperimentFile(fixture("throws.ts")).catch((e) => e);
    expect(err.code).toBe("LOAD_FAILED");
    expect(err.message).toContain(`(thrown at load time at ${fixture("throws.ts")}:2:7)`);
  });

  test("a file without a default export names what it exports, and the experiment among them", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "cascade-load-named-"));
    try {
      writeFileSync(
        join(tmp, "named.ts"),
        'export const helper = 1;\nexport const myStudy = { name: "s", populations: [], replications: 1 };\n',
      );
      const err = await loadExperimentFile(join(tmp, "named.ts")).catch((e) => e);
      expect(err.code).toBe("NO_DEFAULT_EXPORT");
      expect(err.message).toBe(
        "invalid experiment: default export = undefined; allowed: export default defineExperiment({...}) (the file exports helper, myStudy but nothing as default; myStudy looks like the experiment: export default myStudy;)",
      );
      // nothing exported at all
      writeFileSync(join(tmp, "none.ts"), "const x = 1;\n");
      const none = await loadExperimentFile(join(tmp, "none.ts")).catch((e) => e);
      expect(none.message).toBe(
        "invalid experiment: default export = undefined; allowed: export default defineExperiment({...}) (the file exports nothing)",
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("an error Node's own code threw while a local import was evaluated names that import's line, not Node's internal frame", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "cascade-load-site-"));
    try {
      writeFileSync(join(tmp, "base.ts"), 'export const base = new URL("not a url");\n');
      writeFileSync(
        join(tmp, "exp.ts"),
        'import { base } from "./base.js";\nexport default { name: String(base) };\n',
      );
      const err = await loadExperimentFile(join(tmp, "exp.ts")).catch((e) => e);
      expect(err.code).toBe("LOAD_FAILED");
      // The first frame, "at new URL (node:internal/url:...)", was read as a file "/url".
      expect(err.message).toMatch(new RegExp(`Invalid URL at ${join(tmp, "base.ts")}:1:\\d+\\)`));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("resolveExperimentPath", () => {
  /** resolveExperimentPath's refusal of `arg` from `cwd`, or "found". */
  const resolving = (cwd: string) => (arg: string) => {
    try {
      resolveExperimentPath(arg, cwd);
    } catch (e) {
      return (e as Error).message;
    }
    return "found";
  };

  test("an unknown experiment name suggests the nearest file, written as the name was", () => {
    const cwd = mkdtempSync(join(tmpdir(), "cascade-resolve-"));
    mkdirSync(join(cwd, "experiments"));
    for (const f of ["partial-vs-full.ts", "insurance-fund.ts", "types.d.ts", "crowd.mjs"])
      writeFileSync(join(cwd, "experiments", f), "export default {};\n");
    const message = resolving(cwd);
    const allowed = "allowed: an existing experiment file (a path, or a name in experiments/)";
    expect(message("partial-vs-ful")).toBe(
      `cannot load experiment: file = "partial-vs-ful"; ${allowed}; did you mean "partial-vs-full"?`,
    );
    expect(message("experiments/insurance-fnd.ts")).toBe(
      `cannot load experiment: file = "experiments/insurance-fnd.ts"; ${allowed}; did you mean "experiments/insurance-fund.ts"?`,
    );
    // found only with its extension; a .d.ts is no experiment
    expect(message("crowds")).toMatch(/did you mean "crowd\.mjs"\?$/);
    expect(message("type")).toBe(
      `cannot load experiment: file = "type"; ${allowed} (looked for from ${cwd} and its experiments/)`,
    );
    expect(message("something-else-entirely")).toBe(
      `cannot load experiment: file = "something-else-entirely"; ${allowed} (looked for from ${cwd} and its experiments/)`,
    );
    expect(message("partial-vs-full")).toBe("found");
    // a folder (cascade run experiments) is named as one, with how to see its files
    expect(message("experiments")).toBe(
      `cannot load experiment: file = "experiments"; ${allowed} (experiments is a folder: name one of its files; cascade list --dir experiments lists them)`,
    );
    rmSync(cwd, { recursive: true, force: true });
  });

  test("a name or relative path not found says the folder it was looked for from", () => {
    // A script run from its own folder (runExperiment("partial-vs-full") in ~/studies) was told
    // only "a name in experiments/", which reads as Cascade's experiments/, not the script's folder.
    const cwd = mkdtempSync(join(tmpdir(), "cascade-resolve-"));
    const message = resolving(cwd);
    const allowed = "allowed: an existing experiment file (a path, or a name in experiments/)";
    expect(message("partial-vs-full")).toBe(
      `cannot load experiment: file = "partial-vs-full"; ${allowed} (looked for from ${cwd} and its experiments/)`,
    );
    expect(message("experiments/partial-vs-full.ts")).toBe(
      `cannot load experiment: file = "experiments/partial-vs-full.ts"; ${allowed} (looked for from ${cwd})`,
    );
    // an absolute path needs no folder
    expect(message(join(cwd, "x.ts"))).toBe(
      `cannot load experiment: file = ${JSON.stringify(join(cwd, "x.ts"))}; ${allowed}`,
    );
    rmSync(cwd, { recursive: true, force: true });
  });
});
