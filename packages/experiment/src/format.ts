/**
 * Deterministic text for CSV cells (no locale, same bytes on every machine):
 * - integers with |x| < 1e15 are written in full ("12345", "-3");
 * - other finite numbers are rounded to 10 significant digits and written in the shortest form
 *   that reads back to that rounded value (ECMAScript Number::toString: "0.1234567891",
 *   "1.5e-7", "123456.7891");
 * - NaN, +-Infinity, null and undefined are written as an empty cell;
 * - -0 is written "0".
 * Text cells that begin with = + - @ (or a tab / carriage return) get a leading ' so that
 * spreadsheets do not execute them as formulas.
 */

const SIGNIFICANT_DIGITS = 10;

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/** The value a metric is stored as: rounded to 10 significant digits (null when not finite). */
export function roundMetric(x: number | null | undefined): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e15) return x === 0 ? 0 : x;
  if (a >= 1 && a < 1e10) {
    // Prices and values (most of timeseries.csv's cells) in arithmetic, not toPrecision's string
    // and its parse: with 10^e <= |x| < 10^(e+1), x * 10^(9 - e) rounded to an integer n holds the
    // 10 digits, and n / 10^(9 - e) is the double Number(x.toPrecision(10)) reads (powers of ten up
    // to 1e9 are exact; one division rounds once). Rounding the product is monotone and every
    // n + 0.5 is a double, so y is on the exact product's side of each half, or on the half: there
    // (a tie or not, and ties go away from zero) toPrecision decides.
    let e = 0;
    while (e < 9 && a >= POW10[e + 1]) e++;
    const scale = POW10[9 - e];
    const y = x * scale;
    if (y - Math.floor(y) !== 0.5) return Math.round(y) / scale;
  }
  const r = Number(x.toPrecision(SIGNIFICANT_DIGITS));
  return r === 0 ? 0 : r;
}

export function fmtNumber(x: number | null | undefined): string {
  const r = roundMetric(x);
  return r === null ? "" : String(r);
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeText(s: string): string {
  return FORMULA_START.test(s) ? `'${s}` : s;
}

/** A sweep parameter value as a cell: numbers formatted, strings escaped, other data as JSON. */
export function fmtValue(v: unknown): string {
  if (typeof v === "number") return fmtNumber(v);
  if (typeof v === "string") return escapeText(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v === null || v === undefined) return "";
  return escapeText(JSON.stringify(v));
}
