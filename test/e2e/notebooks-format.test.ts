/**
 * The notebooks as Jupyter reads them: nbformat 4.5 gives every cell an id, and a cell without
 * one makes `jupyter nbconvert` warn (MissingIDFieldWarning; a hard error in future nbformat).
 * notebooks/execute.sh runs them; this checks the files themselves, without Jupyter.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { REPO } from "./helpers.js";

const dir = join(REPO, "notebooks");
const notebooks = readdirSync(dir).filter((f) => f.endsWith(".ipynb"));

test("there are notebooks", () => expect(notebooks.length).toBeGreaterThan(0));

test.each(notebooks)("%s: nbformat 4.5 or later, a unique id on every cell, the tslab kernel", (file) => {
  const nb = JSON.parse(readFileSync(join(dir, file), "utf8"));
  expect([nb.nbformat, nb.nbformat_minor >= 5]).toEqual([4, true]);
  const ids = nb.cells.map((c: { id?: string }) => c.id);
  expect(ids.filter((id: unknown) => typeof id !== "string" || id === "")).toEqual([]);
  expect(new Set(ids).size).toBe(ids.length);
  expect(nb.metadata.kernelspec.name).toBe("tslab");
});
