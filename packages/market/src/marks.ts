/** Mark price rules. The venue recomputes marks only in its marks phase (`updateMarks()`). */
import { CascadeError } from "@cascade/core";

export type MarkKind = "mid" | "last" | "ema" | "oracle";
/** ema: mark <- mark + alpha * (mid - mark) each updateMarks() (default alpha 0.1). */
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
  return { kind: o.kind, emaAlpha: a };
}

/**
 * Next mark. `mid` is NaN when a side of the book is empty, `last` NaN before the first trade.
 * mid: mid, else last trade, else previous mark. last: last trade, else previous mark.
 * ema: previous + alpha * (mid-with-fallback - previous). oracle: the oracle price.
 */
export function nextMark(
  kind: MarkKind,
  alpha: number,
  prev: number,
  mid: number,
  last: number,
  oracle: number,
): number {
  switch (kind) {
    case "mid":
      return !Number.isNaN(mid) ? mid : !Number.isNaN(last) ? last : prev;
    case "last":
      return !Number.isNaN(last) ? last : prev;
    case "ema": {
      const target = !Number.isNaN(mid) ? mid : !Number.isNaN(last) ? last : prev;
      return prev + alpha * (target - prev);
    }
    case "oracle":
      return oracle;
  }
}
