/**
 * `cascade validate`'s margin line: which instruments of each variant have a volatility-linked
 * margin (market.instruments[i].margin.volatility) and its rule, a field a sweep sets shown as
 * "swept", instruments with the same rule together and variants with the same margins together.
 * No line when no variant has one (every margin fixed, as validate printed before).
 */
import type { InstrumentSpec, MarginVolatilitySpec } from "@cascade/market";
import { valueAsWritten } from "./policy-lines.js";

interface VariantMarket {
  name: string;
  config: { market: { instruments: readonly InstrumentSpec[] } };
}

const FIELDS = ["windowTicks", "everyTicks", "reference", "maxMultiplier"] as const;

/** Instrument i's rule, each field's value or "swept" (a sweep path at or above it). */
function rule(v: MarginVolatilitySpec, i: number, swept: readonly string[]): string {
  const at = `market.instruments.${i}.margin.volatility`;
  return FIELDS.map((f) => {
    const path = `${at}.${f}`;
    const isSwept = swept.some((p) => path === p || path.startsWith(`${p}.`));
    return `${f} ${isSwept ? "swept" : valueAsWritten(v[f])}`;
  }).join(", ");
}

/** One variant's margins: "volatility-linked BTC, ETH (rule); the others fixed" or "fixed". */
function describe(instruments: readonly InstrumentSpec[], swept: readonly string[]): string {
  const byRule = new Map<string, string[]>();
  instruments.forEach((ins, i) => {
    const v = ins.margin?.volatility;
    if (v === undefined) return;
    const r = rule(v, i, swept);
    byRule.set(r, [...(byRule.get(r) ?? []), ins.symbol]);
  });
  if (byRule.size === 0) return "fixed";
  const linked = [...byRule.values()].reduce((n, s) => n + s.length, 0);
  const rules = [...byRule].map(([r, symbols]) => `${symbols.join(", ")} (${r})`).join("; ");
  return `volatility-linked ${rules}${linked < instruments.length ? "; the others fixed" : ""}`;
}

/**
 * The lines (none when every margin of every variant is fixed); `swept`: the config paths the
 * sweep sets in a variant, by index (an instrument named by symbol or * resolved in its list).
 */
export function marginLines<V extends VariantMarket>(
  variants: readonly V[],
  swept: (variant: V) => readonly string[],
): string[] {
  const byMargins = new Map<string, string[]>();
  for (const v of variants) {
    const d = describe(v.config.market.instruments, swept(v));
    byMargins.set(d, [...(byMargins.get(d) ?? []), v.name]);
  }
  if (byMargins.size === 1 && byMargins.has("fixed")) return [];
  return [...byMargins].map(
    ([d, names]) => `  margin ${byMargins.size === 1 ? "in every variant" : `of ${names.join(", ")}`}: ${d}`,
  );
}
