/**
 * End to end: every experiment file shown in the documentation (a ```ts block whose first line is
 * "// experiments/<name>.ts") validates with the CLI as written, so the examples cannot rot; and
 * the README's tsconfig.json type-checks them in a folder outside the repository, together with
 * the researcher's own files of experiments/examples/ (my-*.ts: the runnable examples the docs
 * show as "// experiments/examples/my-<name>.ts", which import nothing but @cascade/*). The other
 * examples are variants of this repository's studies (they import them), type-checked in place by
 * `pnpm typecheck`; doc-numbers.test.ts validates every example in place.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cascade, REPO, requireBuilt } from "./helpers.js";

const DOCS = ["README.md", "packages/experiment/README.md", "experiments/README.md"];

function examples(doc: string): Array<{ name: string; code: string }> {
  const text = readFileSync(join(REPO, doc), "utf8");
  const out: Array<{ name: string; code: string }> = [];
  for (const m of text.matchAll(/```ts\n(\/\/ experiments\/([\w-]+)\.ts[^\n]*\n[\s\S]*?)```/g)) {
    out.push({ name: m[2], code: m[1] });
  }
  return out;
}

/** The researcher's own files among the examples a doc shows: "// experiments/examples/my-<name>.ts". */
function ownExamples(doc: string): Array<{ name: string; code: string }> {
  const text = readFileSync(join(REPO, doc), "utf8");
  return [...text.matchAll(/```ts\n(\/\/ experiments\/examples\/(my-[\w-]+)\.ts\n[\s\S]*?)```/g)].map(
    (m) => ({
      name: m[2],
      code: m[1],
    }),
  );
}

// Inside the repository, so the examples' `@cascade/*` imports resolve as they do in experiments/.
const dir = mkdtempSync(join(REPO, "test/e2e/.readme-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => requireBuilt());

describe.each(DOCS)("%s", (doc) => {
  test("has experiment examples, and each validates as written", async () => {
    const found = examples(doc);
    expect(found.length).toBeGreaterThan(0);
    for (const [k, { name, code }] of found.entries()) {
      const file = join(dir, `${doc.replace(/\W/g, "_")}-${k}-${name}.ts`);
      writeFileSync(file, code);
      const r = await cascade(["validate", file], REPO);
      expect(r.stderr, `${doc}: ${name}`).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^ok ${name}: `));
    }
  });
});

test("README's tsconfig.json type-checks experiment files outside the repository", () => {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const block = readme.match(/```json\n(\{[\s\S]*?"@cascade\/\*"[\s\S]*?)```/);
  expect(block, "README.md has a tsconfig.json block mapping @cascade/*").not.toBeNull();
  const outside = mkdtempSync(join(tmpdir(), "cascade-typecheck-"));
  try {
    writeFileSync(join(outside, "tsconfig.json"), (block?.[1] ?? "").replaceAll("/path/to/cascade", REPO));
    for (const doc of DOCS)
      for (const [k, { name, code }] of examples(doc).entries())
        writeFileSync(join(outside, `${doc.replace(/\W/g, "_")}-${k}-${name}.ts`), code);
    // the researcher's own examples, copied under their names as a researcher would keep them
    const own = DOCS.flatMap(ownExamples);
    for (const { name, code } of own) writeFileSync(join(outside, `${name}.ts`), code);
    const files = readdirSync(join(REPO, "experiments/examples")).filter((f) => /^my-.*\.ts$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    expect(
      own.map(({ name }) => `${name}.ts`).sort(),
      "experiments/examples/my-*.ts shown in the docs",
    ).toEqual(files.sort());
    // the README's example of what only tsc finds: a trigger whose block body returns nothing
    writeFileSync(
      join(outside, "no-return.ts"),
      [
        'import { presets } from "@cascade/liquidation";',
        "export const early = presets.closeFactor({",
        '  trigger: { kind: "custom", test: (venue, account) => { venue.marginRatio(account) < 1.1; } },',
        "});",
        "",
      ].join("\n"),
    );
    const tsc = join(REPO, "node_modules/typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", outside], { encoding: "utf8" });
    const errors = r.stdout.split("\n").filter((l) => /error TS\d+/.test(l));
    // one error, in the broken file: the documentation's examples resolve @cascade/* and type-check
    expect(errors, r.stdout).toHaveLength(1);
    expect(errors[0]).toMatch(/no-return\.ts\(3,\d+\): error TS2322/);
    expect(r.stdout).toContain("Type 'void' is not assignable to type 'boolean'");
    expect(r.status).toBe(2);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
}, 120_000);
