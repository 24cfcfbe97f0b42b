/**
 * The CLI's start-up stays light: `--help`, a flag error and `report`'s checks of its folder load
 * none of the world, the runner or the output writer (cli.ts imports them only in the commands
 * that run something). A module loader hook in the child records every module it resolves.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, test } from "vitest";
import { makeResults } from "../report/fixtures.js";
import { cascade, requireBuilt } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-e2e-startup-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HOOKS = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (!r.url.startsWith("node:")) appendFileSync(process.env.CASCADE_TEST_MODULES, r.url + "\\n");
  return r;
}
`;

/** The modules the CLI resolved for `args` (file URLs), with its result. */
async function modulesOf(args: string[], name: string): Promise<{ modules: string[]; stderr: string }> {
  const hooks = join(tmp, "hooks.mjs");
  writeFileSync(hooks, HOOKS);
  const register = join(tmp, "register.mjs");
  writeFileSync(
    register,
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const list = join(tmp, `${name}.txt`);
  writeFileSync(list, "");
  process.env.CASCADE_TEST_MODULES = list;
  const r = await cascade(args, tmp, ["--import", pathToFileURL(register).href]);
  return { modules: readFileSync(list, "utf8").split("\n").filter(Boolean), stderr: r.stderr };
}

/** Modules that load the world, its packages, the runner or the output writer (fast-csv with it). */
const HEAVY =
  /\/(plan|runner|validate|world|output|journal|execute|merge)\.js$|\/packages\/(agents|market|liquidation)\/|fast-csv/;

test("--help, a flag error and report's refusal of a shard's folder load nothing heavy", async () => {
  requireBuilt();
  const shard = join(tmp, "s");
  mkdirSync(shard);
  writeFileSync(join(shard, "manifest.json"), `${JSON.stringify({ runs: 6 })}\n`);
  writeFileSync(join(shard, "run-info.json"), `${JSON.stringify({ shard: "1/2", runs: { total: 3 } })}\n`);
  const cases: Array<[string, string[], RegExp]> = [
    ["help", ["--help"], /^$/],
    ["flag", ["run", "x", "--frobnicate"], /option = "--frobnicate"/],
    ["shard", ["report", shard], /this folder is shard 1 of 2: 3 of 6 runs/],
  ];
  for (const [name, args, stderr] of cases) {
    const { modules, stderr: got } = await modulesOf(args, name);
    expect(got, name).toMatch(stderr);
    // the hook saw the CLI itself: it works
    expect(
      modules.some((m) => m.endsWith("/experiment/dist/cli.js")),
      name,
    ).toBe(true);
    expect(
      modules.filter((m) => HEAVY.test(m)),
      name,
    ).toEqual([]);
  }
});

test("report of a whole results folder loads none of the world, the runner or the output writer", async () => {
  // Before: report/load.ts and html.ts took summary.csv's and comparison.csv's columns from
  // output.ts, which imports the runner's plan, validate, world and the three simulation packages
  // (~100 ms of module loading a report).
  requireBuilt();
  const dir = makeResults(join(tmp, "results"), { sweep: {} });
  const { modules, stderr } = await modulesOf(["report", dir], "report");
  expect(stderr).toBe("");
  // it wrote the report: the hook saw the report modules and Vega
  expect(modules.some((m) => m.endsWith("/experiment/dist/report/render.js"))).toBe(true);
  expect(modules.some((m) => /\/vega-lite\//.test(m))).toBe(true);
  expect(readFileSync(join(dir, "report.html"), "utf8")).toMatch(/^<!doctype html>/i);
  // HEAVY less fast-csv (the report's own CSV reader), the CLI's modules by their folder (Vega's
  // d3-array has a merge.js)
  const simulation =
    /\/experiment\/dist\/(plan|runner|validate|world|output|journal|execute|merge)\.js$|\/packages\/(agents|market|liquidation)\//;
  expect(modules.filter((m) => simulation.test(m))).toEqual([]);
});
