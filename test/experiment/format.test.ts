import { escapeText, fmtNumber, fmtValue, roundMetric } from "@cascade/experiment";
import { expect, test } from "vitest";

test("numbers: integers in full, others to 10 significant digits, blanks for non-finite", () => {
  expect(fmtNumber(12345)).toBe("12345");
  expect(fmtNumber(-3)).toBe("-3");
  expect(fmtNumber(-0)).toBe("0");
  expect(fmtNumber(1 / 3)).toBe("0.3333333333");
  expect(fmtNumber(123456.789012345)).toBe("123456.789");
  expect(fmtNumber(1.5e-7)).toBe("1.5e-7");
  expect(fmtNumber(0.1 + 0.2)).toBe("0.3");
  expect(fmtNumber(Number.NaN)).toBe("");
  expect(fmtNumber(Number.POSITIVE_INFINITY)).toBe("");
  expect(fmtNumber(null)).toBe("");
  expect(roundMetric(2 / 3)).toBe(0.6666666667);
});

test("text that a spreadsheet would execute is prefixed with '", () => {
  for (const s of ["=SUM(A1)", "+1", "-x", "@cmd", "\tx"]) expect(escapeText(s)).toBe(`'${s}`);
  expect(escapeText("full")).toBe("full");
  expect(fmtValue("=1+1")).toBe("'=1+1");
  expect(fmtValue(0.25)).toBe("0.25");
  expect(fmtValue({ dist: "uniform", min: 1, max: 2 })).toBe('{"dist":"uniform","min":1,"max":2}');
});
