/**
 * Text widths as the page draws them: the charts' font is "Helvetica, Arial, sans-serif" (Arial
 * and Liberation Sans share Helvetica's advance widths), so a text's width is the sum of its
 * characters' Helvetica widths. Vega in Node has no canvas to measure with and estimates 0.8 em a
 * character, ~45% wider than Helvetica: headers, legends and axes were laid out wider than drawn.
 * render.ts hands Vega this width instead (vega.textMetrics.width); the charts plan their layouts
 * with the same function.
 */

/** Advance widths (1/1000 em) of the printable ASCII characters, " " (32) to "~" (126): Helvetica's AFM. */
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
  500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
  556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
  278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/** The same for Helvetica Bold (headers, titles). */
const HELVETICA_BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278,
  556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584,
  556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556,
  333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/** Characters beyond ASCII the report writes (minus sign, ≥, ×, ellipsis, dashes), in both weights. */
const OTHER: Record<string, number> = {
  "\u2212": 584,
  "\u2265": 549,
  "\u2264": 549,
  "\u00d7": 584,
  "\u2026": 1000,
  "\u2013": 556,
  "\u2014": 1000,
  "\u00b7": 278,
  "\u00b0": 400,
};

/** Any other character: a digit's width. */
const DEFAULT_ADVANCE = 556;

/** Monospace fonts: 0.6 em a character (Menlo, Consolas, DejaVu Sans Mono). */
const MONO_ADVANCE = 600;

/** Width in px of `text` at `fontSize` px in Helvetica (bold: Helvetica Bold; mono: a monospace font). */
export function textWidth(text: string, fontSize = 10, bold = false, mono = false): number {
  const table = bold ? HELVETICA_BOLD : HELVETICA;
  let units = 0;
  for (const ch of text) {
    if (mono) {
      units += MONO_ADVANCE;
      continue;
    }
    const c = ch.charCodeAt(0);
    units += c >= 32 && c <= 126 ? table[c - 32] : (OTHER[ch] ?? DEFAULT_ADVANCE);
  }
  return (units * fontSize) / 1000;
}

/** A Vega text item's font, as far as widths go. */
interface TextItem {
  font?: string;
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number | string;
}

/** Bold from weight 600 up, as browsers pick the bold face. */
function isBold(weight: number | string | undefined): boolean {
  if (weight === undefined || weight === null) return false;
  if (weight === "bold" || weight === "bolder") return true;
  return Number(weight) >= 600;
}

/**
 * Vega's textMetrics.width: the width of one line of a text item. A line cut at the item's limit
 * (labelLimit) counts as the limit: Vega's own cutting asks this function for the width of ever
 * shorter prefixes and keeps the longest below limit − ellipsis, so a line as wide as the limit
 * or wider must read as at least the limit, and the cut line is at most that wide.
 */
export function vegaTextWidth(item: TextItem, line: unknown): number {
  const size = item.fontSize != null ? +item.fontSize || 0 : 11; // Vega's default size
  const text = line == null ? "" : String(line).trim();
  if (size <= 0 || text === "") return 0;
  const mono = /mono|courier|consolas|menlo/i.test(item.font ?? "");
  const w = textWidth(text, size, isBold(item.fontWeight), mono);
  const limit = Number(item.limit ?? 0);
  return limit > 0 && w >= limit ? limit : w;
}
