/**
 * Every number the docs quote from a study's or an example's output (the claims in
 * doc-numbers.claims.ts: the studies' header comments, experiments/README.md, the README and
 * two package READMEs) is that output rounded as quoted. Each study of experiments/
 * and each example of experiments/examples/ runs once at its full size with two workers (~170 s
 * of CPU in all, measured with /usr/bin/time in stop 28; 6 min on the shared two-core host at a
 * load of ~10, 23 min once at 15-23);
 * a failure lists each stale quote with its doc line, the value quoted and the value the output
 * gives. CASCADE_DOC_OUTPUTS=DIR reads DIR/<name>/ (the --out of a `cascade run` of each) instead
 * of running them. Runtimes are not checked.
 * The README's excerpt of the default job's closing table is checked here too, row by row against
 * what the run of partial-vs-full prints (not with CASCADE_DOC_OUTPUTS: that has no printout).
 * Also: an example a doc shows as a ```ts block headed "// experiments/examples/<name>.ts" is
 * that file byte for byte (so the quoted numbers are of the code shown), and validates clean.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CLAIMS, type Claim } from "./doc-numbers.claims.js";
import { Output } from "./doc-outputs.js";
import { cascade, REPO, requireBuilt } from "./helpers.js";

const STUDIES = [
  "partial-vs-full",
  "close-factor-sweep",
  "leverage-crowding",
  "execution-styles",
  "insurance-fund",
  "cross-asset-contagion",
];
const EXAMPLES = readdirSync(join(REPO, "experiments/examples"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();
const DOCS = ["README.md", "experiments/README.md", "packages/liquidation/README.md"];

const file = (name: string) =>
  join(REPO, "experiments", EXAMPLES.includes(name) ? `examples/${name}.ts` : `${name}.ts`);
const given = process.env.CASCADE_DOC_OUTPUTS;
let dir = "";
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), "cascade-doc-numbers-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const docs = new Map<string, string[]>();
function lines(doc: string): string[] {
  if (!docs.has(doc)) docs.set(doc, readFileSync(join(REPO, doc), "utf8").split("\n"));
  return docs.get(doc) as string[];
}

/** "" when the claim holds, else what is wrong, naming the doc line and both values. */
function check(claim: Claim, out: Output): string {
  const { doc, at, quoted } = claim;
  const hits = lines(doc).flatMap((l, i) => (l.includes(at) ? [i + 1] : []));
  if (hits.length !== 1)
    return `${doc}: "${at}" is on ${hits.length} lines (a claim's words must be on one line, once): edit the claim`;
  if (!at.includes(quoted))
    return `${doc}:${hits[0]}: the claim's "${quoted}" is not in "${at}": edit the claim`;
  let actual: string;
  try {
    actual = claim.actual(out);
  } catch (e) {
    return `${doc}:${hits[0]}: "${at}": ${(e as Error).message}`;
  }
  return actual === quoted
    ? ""
    : `${doc}:${hits[0]}: quotes ${quoted} ("${at}"); ${out.name} gives ${actual}`;
}

/** The rows of the README's excerpt: the fenced block that starts with the closing table's header. */
function excerptRows(): string[] {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const start = readme.indexOf("\nvariant           metric ");
  if (start < 0) throw new Error("README.md has no excerpt of the closing table");
  const end = readme.indexOf("\n```", start);
  return readme
    .slice(start + 1, end)
    .split("\n")
    .filter((l) => l !== "..." && l !== "");
}

test("every claim names a study or an example of experiments/", () => {
  const known = new Set([...STUDIES, ...EXAMPLES]);
  expect(CLAIMS.filter((c) => !known.has(c.out)).map((c) => `${c.out}: ${c.at}`)).toEqual([]);
  // an example nobody quotes has no business here
  expect(EXAMPLES.filter((e) => !CLAIMS.some((c) => c.out === e))).toEqual([]);
});

test("each example a doc shows is its file in experiments/examples/, byte for byte, and validates clean", async () => {
  const shown = new Set<string>();
  for (const doc of DOCS) {
    const text = readFileSync(join(REPO, doc), "utf8");
    for (const m of text.matchAll(/```ts\n(\/\/ experiments\/examples\/([\w-]+)\.ts\n[\s\S]*?)```/g)) {
      expect(existsSync(file(m[2])), `${doc} shows experiments/examples/${m[2]}.ts`).toBe(true);
      expect(m[1], `${doc}'s block of experiments/examples/${m[2]}.ts`).toBe(
        readFileSync(file(m[2]), "utf8"),
      );
      shown.add(m[2]);
    }
  }
  expect(shown.size).toBeGreaterThan(0);
  for (const name of EXAMPLES) {
    const r = await cascade(["validate", file(name)], REPO);
    expect(r.stderr, name).toBe("");
    expect(r.code, name).toBe(0);
  }
}, 120_000);

test.each([...STUDIES, ...EXAMPLES])(
  "every number the docs quote from %s is its output, rounded as quoted",
  async (name) => {
    let out = given === undefined ? "" : join(given, name);
    if (given === undefined) {
      out = join(dir, name);
      const r = await cascade(
        ["run", file(name), "--out", out, "--workers", "2", "--quiet", "--no-report"],
        REPO,
      );
      expect(r.code, r.stderr).toBe(0);
      if (name === "partial-vs-full") {
        // A change that moves one number of the excerpt (a Holm p moves when another row's p
        // changes its rank) must refresh it: every quoted row is a line the default job prints.
        const rows = excerptRows();
        expect(rows.length).toBeGreaterThanOrEqual(5);
        const printed = new Set(r.stdout.split("\n").map((l) => l.trimEnd()));
        expect(
          rows.filter((l) => !printed.has(l.trimEnd())),
          "README.md excerpt rows not printed",
        ).toEqual([]);
      }
    }
    const output = new Output(name, out);
    const mine = CLAIMS.filter((c) => c.out === name);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.map((c) => check(c, output)).filter((m) => m !== "")).toEqual([]);
  },
  900_000,
);
