/**
 * How the report writes a number, in its tables and in its charts' hover texts alike, and `cascade
 * run`'s closing table (headline.ts) too. No imports: the CLI loads it after a run without the report.
 */

/**
 * Short display of a number: integers in full, others to 4 significant digits (one decimal from
 * 1,000), thousands grouped as the sweep values are (pointValue: 5,723,343.6, not 5723343.6).
 */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "";
  return pointValue(plainNum(x));
}

/** fmtNum's digits, before grouping. */
function plainNum(x: number): string {
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
 * fmtNum groups the statistics' digits by it too.
 */
export function pointValue(value: string): string {
  const m = /^(-?)(\d{4,})(\.\d+)?$/.exec(value);
  if (m === null) return value;
  return `${m[1]}${m[2].replace(/\B(?=(\d{3})+$)/g, ",")}${m[3] ?? ""}`;
}

/** Axis ticks of a scale reaching this far from 0 are written SI-style (12M, 150k). */
export const COMPACT_FROM = 10_000;

/**
 * The d3-format specifier of an axis labelled by tickLabels (charts/shared.ts), from its scale's
 * domain: "" (Vega's own labels) but for a single value (3 significant digits, SI-style from 1,000:
 * Vega would print 0.000000) and a domain reaching COMPACT_FROM ("~s": 12M, 150k).
 */
export function tickSpecifier(domain: readonly number[]): string {
  const lo = domain[0];
  const hi = domain[domain.length - 1];
  if (lo === hi) return Math.abs(lo) >= 1000 ? ".3~s" : ".3~g";
  return Math.max(Math.abs(lo), Math.abs(hi)) >= COMPACT_FROM ? "~s" : "";
}

/**
 * The format of the domain's ends in the aria-label of a tickLabels axis ("values from −3.13M to
 * 3.35M"), as its labels write numbers: null (Vega's own) where they are Vega's; "~s" with 3
 * digits, not Vega's prefix fixed by the domain (0M) nor 6 digits for ends between ticks.
 */
export function axisCaptionSpecifier(domain: readonly number[]): string | null {
  const s = tickSpecifier(domain);
  return s === "" ? null : s === "~s" ? ".3~s" : s;
}
