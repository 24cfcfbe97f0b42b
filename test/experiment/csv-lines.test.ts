import fc from "fast-check";
import { writeToString } from "fast-csv";
import { describe, expect, test } from "vitest";
import { CSV_OPTIONS, csvLines } from "../../packages/experiment/src/journal.js";

// csvLines drives one fast-csv formatter per thread synchronously (see journal.ts); whatever it
// formatted before, its block must be exactly what fast-csv's own writeToString gives those rows.
const expected = (key: string[], rows: string[][]) =>
  rows.length === 0
    ? Promise.resolve("")
    : writeToString(
        rows.map((r) => [...key, ...r]),
        CSV_OPTIONS,
      );

describe("csvLines", () => {
  test("quotes, separators, line breaks and empty cells come out as fast-csv writes them", async () => {
    const key = ["v,1", "0", "3"];
    const rows = [["a,b", 'q"uote', "line\nbreak", "", " sp ", "'=x", "1.5e-7"], ["x"], ["", ""], ["\r"]];
    const want = await expected(key, rows);
    expect(want.endsWith("\n")).toBe(true);
    expect(csvLines(key, rows)).toBe(want);
    expect(csvLines(key, rows)).toBe(want); // again, after the formatter has been used
    expect(csvLines(["k"], [["only"]])).toBe("k,only\n");
    expect(csvLines(key, [])).toBe("");
  });

  test("a call that throws midway leaves nothing behind for the next one", () => {
    const bad = [["a"], null as unknown as string[]];
    expect(() => csvLines(["k"], bad)).toThrow();
    expect(csvLines(["k"], [["b"]])).toBe("k,b\n");
  });

  test("equals writeToString on random rows, in any order of calls", async () => {
    // Plain cells take csvLines' own path, the others fast-csv's: mix both within rows and blocks.
    const cell = fc.oneof(
      fc.string(),
      fc.constantFrom(",", '"', "\n", "\r\n", "", " ", "=1", "a|b", "\0", "é", "\uD800", "1.5e-7", "x'y"),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(cell, { minLength: 1, maxLength: 3 }),
        fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { maxLength: 8 }),
        async (key, rows) => {
          expect(csvLines(key, rows)).toBe(await expected(key, rows));
        },
      ),
      { numRuns: 300 },
    );
  });
});
