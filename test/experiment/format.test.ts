import { escapeText, fmtNumber, fmtValue, roundMetric } from "@cascade/experiment";
import fc from "fast-check";
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

/** roundMetric as it was written before its arithmetic path: toPrecision for every non-integer. */
function roundByPrecision(x: number): number | null {
  if (!Number.isFinite(x)) return null;
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return x === 0 ? 0 : x;
  const r = Number(x.toPrecision(10));
  return r === 0 ? 0 : r;
}

function same(x: number): boolean {
  const r = roundByPrecision(x);
  return Object.is(roundMetric(x), r) && fmtNumber(x) === (r === null ? "" : String(r));
}

test("roundMetric's arithmetic path gives toPrecision's value for any double (property)", () => {
  fc.assert(fc.property(fc.double({ noNaN: true }), same), { numRuns: 20_000 });
  // where the arithmetic path runs: 1 <= |x| < 1e10
  const inRange = fc.double({ min: 1, max: 1e10, noNaN: true }).chain((a) => fc.constantFrom(a, -a));
  fc.assert(fc.property(inRange, same), { numRuns: 50_000 });
  // halves (mid prices), values with a few decimals (fundamentals), halves of the 10th digit (exact
  // ties from 1e9 up: toPrecision rounds them away from zero, Math.round up) and their neighbours
  const near = fc
    .tuple(
      fc.integer({ min: 1, max: 9_999_999_999 }),
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(1, -1),
    )
    .map(([n, d, ulps, sign]) => {
      let x = (sign * (n + 0.5)) / 10 ** d;
      for (let k = 0; k < Math.abs(ulps); k++) x = ulps > 0 ? nextUp(x) : nextDown(x);
      return x;
    });
  fc.assert(fc.property(near, same), { numRuns: 50_000 });
  // powers of ten and their neighbours
  for (let e = 0; e <= 10; e++)
    for (const x of [10 ** e, nextUp(10 ** e), nextDown(10 ** e), 10 ** e - 5e-7, 10 ** e * 0.99999999995])
      expect([x, same(x)]).toEqual([x, true]);
  expect(fmtNumber(4988.5)).toBe("4988.5");
  expect(fmtNumber(4999.66124123456)).toBe("4999.661241");
  expect(fmtNumber(9999.99999999)).toBe("10000");
  expect(fmtNumber(-1234.56789015)).toBe("-1234.56789");
  expect(fmtNumber(-1234567890.5)).toBe("-1234567891");
});

const view = new DataView(new ArrayBuffer(8));
function nextUp(x: number): number {
  view.setFloat64(0, x);
  const b = view.getBigInt64(0);
  view.setBigInt64(0, x >= 0 ? b + 1n : b - 1n);
  return view.getFloat64(0);
}
function nextDown(x: number): number {
  return -nextUp(-x);
}
