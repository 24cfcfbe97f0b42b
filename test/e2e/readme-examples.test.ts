/**
 * End to end: every experiment file shown in the documentation (a ```ts block whose first line is
 * "// experiments/<name>.ts") validates with the CLI as written, so the examples cannot rot.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
