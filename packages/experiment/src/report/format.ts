/** How the report writes a number, in its tables and in its charts' hover texts alike. */

/** Short display of a number: integers in full, others to 4 significant digits. */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  if (a >= 1000 && a < 1e15) return String(Math.round(x * 10) / 10);
  if (a >= 1e-4) return String(Number(x.toPrecision(4)));
  return x.toExponential(3).replace(/\.?0+e/, "e");
}
