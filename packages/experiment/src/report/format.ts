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

/**
 * 3 significant digits, thousands as k / M / G: the heat maps' cell labels and their legends'
 * (render.ts gives it to Vega's expressions by this name). Rounded before the unit is chosen:
 * 999,999 is 1M, not 1000k.
 */
export function shortNumber(x: number): string {
  const r = Number(x.toPrecision(3));
  const a = Math.abs(r);
  const units: Array<[number, string]> = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [u, s] of units) if (a >= u) return `${Number((r / u).toPrecision(3))}${s}`;
  if (a === 0) return "0";
  if (a < 1e-3) return x.toExponential(1);
  return String(r);
}

/**
 * A sweep value as the charts write it: a number of 1,000 or more with its thousands grouped
 * (200,000 and 2,000,000 told apart at a glance), as Vega writes the sweep lines' axis. Exact, not
 * shortNumber's 3 digits: two values a researcher swept must never read alike. Other text as written.
 */
export function pointValue(value: string): string {
  const m = /^(-?)(\d{4,})(\.\d+)?$/.exec(value);
  if (m === null) return value;
  return `${m[1]}${m[2].replace(/\B(?=(\d{3})+$)/g, ",")}${m[3] ?? ""}`;
}
