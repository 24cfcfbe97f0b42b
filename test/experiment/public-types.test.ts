/**
 * The package's public face (index.ts) exports every type its exported functions and classes take
 * or return, so that a script or notebook can type its variables (`const data: ReportData = ...`)
 * without importing from dist/ paths. The first test reads the built declarations with the
 * TypeScript compiler; the second is a script that types its variables (checked by `pnpm typecheck`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ComparisonRow,
  type GenerationCount,
  type LiquidationMark,
  type LoadOptions,
  loadResults,
  type ManifestInfo,
  type PathPoint,
  type PathPointChoice,
  type PathsLeftOut,
  type PlanOptions,
  type Prepared,
  type PricePath,
  prepareRun,
  type ReportData,
  type RunInProgress,
  type RunRow,
  runExperiment,
  type StoppedRun,
  type SummaryRow,
  type SweepPoint,
  type VlSpec,
} from "@cascade/experiment";
import ts from "typescript";
import { afterAll, expect, test } from "vitest";
import { fakeExperiment } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "cascade-public-types-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const INDEX = join(dirname(fileURLToPath(import.meta.url)), "../../packages/experiment/dist/index.d.ts");
const KINDS = ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class;

/**
 * The types declared in the package (not in @cascade/core and the other packages, which export
 * their own) that an export of index.d.ts reaches through its parameters, return values and
 * properties, but that index.d.ts does not export: each with the export that reaches it.
 */
function unexportedTypes(): Record<string, string> {
  const program = ts.createProgram([INDEX], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
  });
  const checker = program.getTypeChecker();
  const own = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const exports = checker.getExportsOfModule(
    checker.getSymbolAtLocation(program.getSourceFile(INDEX) as ts.SourceFile) as ts.Symbol,
  );
  const exported = new Set(exports.map(own));
  const missing: Record<string, string> = {};
  const seen = new Set<ts.Type>();
  const visit = (t: ts.Type, from: string): void => {
    if (seen.has(t)) return;
    seen.add(t);
    const sym = t.aliasSymbol ?? t.getSymbol();
    const file = sym?.declarations?.[0]?.getSourceFile().fileName ?? "";
    const ours = file.includes("/packages/experiment/");
    if (sym && sym.flags & KINDS && ours && !exported.has(sym)) missing[sym.name] ??= from;
    for (const a of [...(t.aliasTypeArguments ?? []), ...checker.getTypeArguments(t as ts.TypeReference)])
      visit(a, from);
    if (t.isUnionOrIntersection()) for (const u of t.types) visit(u, from);
    // Inside the package's own types only (a Promise's or an array's members are the library's).
    if (!ours) return;
    for (const sig of [...t.getCallSignatures(), ...t.getConstructSignatures()]) {
      for (const p of sig.getParameters()) visit(checker.getTypeOfSymbol(p), from);
      visit(sig.getReturnType(), from);
    }
    for (const p of t.getProperties()) visit(checker.getTypeOfSymbol(p), from);
  };
  for (const s of exports) {
    const t = own(s);
    if (t.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class)) visit(checker.getTypeOfSymbol(t), s.name);
    if (t.flags & KINDS) visit(checker.getDeclaredTypeOfSymbol(t), s.name);
  }
  return missing;
}

test("every type an export of the package takes, returns or holds is exported from it too", () => {
  expect(unexportedTypes()).toEqual({});
}, 30_000);

test("a script types its variables with the exported types: a run's start, its plan and its results as the report reads them", async () => {
  const out = join(root, "run");
  const options: PlanOptions = { manifest: false };
  const prepared: Prepared = await prepareRun(fakeExperiment(), { out });
  expect([prepared.outDir, prepared.plan.total, options.manifest]).toEqual([out, 10, false]);
  let started: RunInProgress | undefined;
  await runExperiment(fakeExperiment(), { out, workers: 0, onStart: (run) => (started = run) });
  const stopped: StoppedRun | null = started?.stopped ?? null;
  expect(stopped).toBeNull();
  const load: LoadOptions = { maxPricePaths: 2 };
  const data: ReportData = await loadResults(out, load);
  const manifest: ManifestInfo = data.manifest;
  const points: SweepPoint[] = data.points;
  const runs: RunRow[] = data.runs;
  const summary: SummaryRow[] = data.summary;
  const comparison: ComparisonRow[] = data.comparison;
  const paths: PricePath[] = data.paths;
  const first: PathPoint | undefined = paths[0]?.points[0];
  const marks: LiquidationMark[] = paths.flatMap((p) => p.liquidations);
  const choice: PathPointChoice = data.pathPointChoice;
  const leftOut: PathsLeftOut | null = data.pathsLeftOut;
  const generations: GenerationCount[] = data.generations;
  const chart: VlSpec = { mark: "point", data: { values: runs.map((r) => r.values) } };
  expect(manifest.name).toBe("fake");
  expect([points.length, runs.length, paths.length]).toEqual([1, 10, 2]);
  expect(summary.length).toBe(68);
  expect(new Set(comparison.map((c) => c.variant))).toEqual(new Set(["half"]));
  expect(first).toEqual({ tick: 10, price: 95.5 });
  expect(marks.length).toBe(2);
  expect(choice).toBe("all");
  // Two paths of two variants x two instruments: the limit leaves instrument Y out.
  expect(leftOut?.leftOutInstruments).toEqual(["Y"]);
  expect(generations.length).toBe(2);
  expect(chart.mark).toBe("point");
});
