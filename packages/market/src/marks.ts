/** Mark price rules. The venue recomputes marks only in its marks phase (`updateMarks()`). */
import { CascadeError } from "@cascade/core";

export type MarkKind = "mid" | "last" | "ema" | "oracle";
/** ema: mark <- mark + alpha * (mid - mark) each updateMarks() (default alpha 0.1; emaAlpha with "ema" only). */
export interface MarkSpec {
  kind: MarkKind;
  emaAlpha?: number;
}
export interface MarkUpdate {
  tick: number;
  instrument: number;
  mark: number;
}

const KINDS: readonly string[] = ["mid", "last", "ema", "oracle"];

export function validateMarkSpec(m: unknown): Required<MarkSpec> {
  if (m === undefined) return { kind: "mid", emaAlpha: 0.1 };
  if (m === null || typeof m !== "object") {
    throw new CascadeError(
      "INVALID_CONFIG",
      "mark",
      m,
      "undefined or { kind, emaAlpha? }",
      "invalid venue config",
    );
  }
  const o = m as MarkSpec;
  if (!KINDS.includes(o.kind)) {
    throw new CascadeError(
      "INVALID_CONFIG",
      "mark.kind",
      o.kind,
      `one of ${KINDS.join(", ")}`,
      "invalid venue config",
    );
  }
  const a = o.emaAlpha === undefined ? 0.1 : o.emaAlpha;
  if (typeof a !== "number" || !Number.isFinite(a) || a <= 0 || a > 1) {
    throw new CascadeError(
      "INVALID_CONFIG",
      "mark.emaAlpha",
      a,
      "a number in (0, 1]",
      "invalid venue config",
    );
  }
  // Written under another kind, an alpha would be ignored: refused, as a misspelt key is.
  if (o.emaAlpha !== undefined && o.kind !== "ema") {
    throw new CascadeError(
      "INVALID_CONFIG",
      "mark.emaAlpha",
      o.emaAlpha,
      `undefined with kind ${JSON.stringify(o.kind)} (emaAlpha is read by kind "ema" alone)`,
      "invalid venue config",
    );
  }
  return { kind: o.kind, emaAlpha: a };
}

/**
 * A fallback price (the last trade, a previous mark) on a book with a side empty, kept within the
 * side still quoted: never above the best ask nor below the best bid (0 = that side empty). An ask
 * posted below an old trade is a price anyone can buy at. The venue's mid marks, the agents' mid and
 * the run's price series all read this one rule.
 */
export function withinQuotes(price: number, bestBid: number, bestAsk: number): number {
  return bestAsk > 0 && price > bestAsk ? bestAsk : bestBid > 0 && price < bestBid ? bestBid : price;
}

/**
 * Next mark. `mid` is NaN when a side of the book is empty, `last` NaN before the first trade;
 * `bestBid`/`bestAsk` 0 when that side is empty.
 * mid: mid, else last trade, else previous mark (the fallback withinQuotes). last: last trade, else
 * previous mark. ema: previous + alpha * (mid-with-fallback - previous). oracle: the oracle price.
 */
export function nextMark(
  kind: MarkKind,
  alpha: number,
  prev: number,
  mid: number,
  last: number,
  oracle: number,
  bestBid: number,
  bestAsk: number,
): number {
  const target = !Number.isNaN(mid) ? mid : withinQuotes(!Number.isNaN(last) ? last : prev, bestBid, bestAsk);
  switch (kind) {
    case "mid":
      return target;
    case "last":
      return !Number.isNaN(last) ? last : prev;
    case "ema":
      return prev + alpha * (target - prev);
    case "oracle":
      return oracle;
  }
}
