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

/*
 * Beyond ASCII: the widths (1/1000 em) of Liberation Sans 2 Regular and Bold, read from the fonts'
 * hmtx tables (2048 units an em, rounded). Liberation Sans has Arial's metrics, which are
 * Helvetica's wherever Helvetica has the glyph (its ASCII widths are the AFM's above, character for
 * character), and it is what Chromium draws "Helvetica, Arial" with on Linux. Names a researcher
 * writes: accented Latin letters, Greek letters, dashes, quotes and the math signs.
 */

/** U+00A0 (no-break space) to U+017F: Latin-1 (é, ü, ß, ×, ±, µ, °) and Latin Extended-A (ł, š, ő). */
const LATIN = [
  278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 552, 400, 549, 333, 333, 333,
  576, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667, 667,
  667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
  611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556, 556, 556,
  556, 556, 556, 549, 611, 556, 556, 556, 556, 500, 556, 500, 667, 556, 667, 556, 667, 556, 722, 500, 722,
  500, 722, 500, 722, 500, 722, 615, 722, 556, 667, 556, 667, 556, 667, 556, 667, 556, 667, 556, 778, 556,
  778, 556, 778, 556, 778, 556, 722, 556, 722, 556, 278, 278, 278, 278, 278, 278, 278, 222, 278, 278, 735,
  444, 500, 222, 667, 500, 500, 556, 222, 556, 222, 556, 292, 556, 334, 556, 222, 722, 556, 722, 556, 722,
  556, 604, 723, 556, 778, 556, 778, 556, 778, 556, 1000, 944, 722, 333, 722, 333, 722, 333, 667, 500, 667,
  500, 667, 500, 667, 500, 611, 278, 611, 375, 611, 278, 722, 556, 722, 556, 722, 556, 722, 556, 722, 556,
  722, 556, 944, 722, 667, 500, 667, 611, 500, 611, 500, 611, 500, 222,
];

/** The same in bold. */
const LATIN_BOLD = [
  278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 552, 400, 549, 333, 333, 333,
  576, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722, 667, 667,
  667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
  611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611, 611, 611,
  611, 611, 611, 549, 611, 611, 611, 611, 611, 556, 611, 556, 722, 556, 722, 556, 722, 556, 722, 556, 722,
  556, 722, 556, 722, 556, 722, 719, 722, 611, 667, 556, 667, 556, 667, 556, 667, 556, 667, 556, 778, 611,
  778, 611, 778, 611, 778, 611, 722, 611, 722, 611, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 785,
  556, 556, 278, 722, 556, 556, 611, 278, 611, 278, 611, 385, 611, 479, 611, 278, 722, 611, 722, 611, 722,
  611, 708, 723, 611, 778, 611, 778, 611, 778, 611, 1000, 944, 722, 389, 722, 389, 722, 389, 667, 556, 667,
  556, 667, 556, 667, 556, 611, 333, 611, 479, 611, 333, 722, 611, 722, 611, 722, 611, 722, 611, 722, 611,
  722, 611, 944, 778, 667, 556, 667, 611, 500, 611, 500, 611, 500, 278,
];

/** U+0391 (Α) to U+03C9 (ω): the Greek capitals, then the small letters (U+03A2, unassigned: a digit's width). */
const GREEK = [
  667, 667, 551, 668, 667, 611, 722, 778, 278, 667, 668, 833, 722, 650, 778, 722, 667, 556, 618, 611, 667,
  798, 667, 835, 748, 278, 667, 578, 446, 556, 222, 547, 578, 575, 500, 557, 446, 441, 556, 556, 222, 500,
  500, 576, 500, 448, 556, 690, 569, 482, 617, 395, 547, 648, 525, 713, 781,
];

/** The same in bold. */
const GREEK_BOLD = [
  722, 722, 601, 719, 667, 611, 722, 778, 278, 722, 667, 833, 722, 644, 778, 722, 667, 556, 600, 611, 667,
  821, 667, 809, 802, 278, 667, 615, 451, 611, 278, 582, 615, 610, 556, 606, 475, 460, 611, 541, 278, 558,
  556, 612, 556, 445, 611, 766, 619, 520, 684, 446, 582, 715, 576, 753, 845,
];

/** Single characters beyond those ranges: dashes, quotes, bullet, ellipsis, per mille, euro, arrows, math; [regular, bold]. */
const OTHER: Record<string, readonly [number, number]> = {
  "\u2010": [333, 333], // ‐
  "\u2013": [556, 556], // –
  "\u2014": [1000, 1000], // —
  "\u2018": [222, 278], // ‘
  "\u2019": [222, 278], // ’
  "\u201c": [333, 500], // “
  "\u201d": [333, 500], // ”
  "\u2022": [350, 350], // •
  "\u2026": [1000, 1000], // …
  "\u2030": [1000, 1000], // ‰
  "\u2032": [188, 240], // ′
  "\u2033": [354, 479], // ″
  "\u20ac": [556, 556], // €
  "\u2190": [1000, 1000], // ←
  "\u2191": [500, 500], // ↑
  "\u2192": [1000, 1000], // →
  "\u2193": [500, 500], // ↓
  "\u2202": [494, 494], // ∂
  "\u2206": [612, 612], // ∆
  "\u2211": [713, 713], // ∑
  "\u2212": [584, 584], // −
  "\u221a": [549, 549], // √
  "\u221e": [713, 713], // ∞
  "\u2248": [549, 549], // ≈
  "\u2260": [549, 549], // ≠
  "\u2264": [549, 549], // ≤
  "\u2265": [549, 549], // ≥
};

/**
 * Any other character: a digit's width, but a combining accent (e + U+0301 draws é) none and an
 * East Asian wide character or emoji a full em.
 */
const DEFAULT_ADVANCE = 556;

function otherAdvance(c: number, ch: string, bold: boolean): number {
  if (c >= 0xa0 && c <= 0x17f) return (bold ? LATIN_BOLD : LATIN)[c - 0xa0];
  if (c >= 0x391 && c <= 0x3c9) return (bold ? GREEK_BOLD : GREEK)[c - 0x391];
  const pair = OTHER[ch];
  if (pair !== undefined) return pair[bold ? 1 : 0];
  if (c >= 0x300 && c <= 0x36f) return 0;
  if (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1faff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  )
    return 1000;
  return DEFAULT_ADVANCE;
}

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
    const c = ch.codePointAt(0) as number;
    units += c >= 32 && c <= 126 ? table[c - 32] : otherAdvance(c, ch, bold);
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
