import { readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { loadExperimentFile } from "../../packages/experiment/src/load.js";

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
    expect(loaded.moduleUrl).toMatch(/\/cascade-bundles\/[0-9a-f]{32}\.mjs$/);
    expect(fileURLToPath(loaded.moduleUrl).startsWith(join(tmpdir(), "cascade-bundles"))).toBe(true);
    expect((await loadExperimentFile(entry)).moduleUrl).toBe(loaded.moduleUrl);
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
    expect(err.message).toMatch(/bad-import\.ts:4:\d+: Could not resolve "\.\/lib\/does-not-exist\.js"/);
  });

  test("an error while the module is evaluated is a LOAD_FAILED with its message", async () => {
    const err = await loadExperimentFile(fixture("throws.ts")).catch((e) => e);
    expect(err.code).toBe("LOAD_FAILED");
    expect(err.message).toContain("thrown at load time");
  });
});
