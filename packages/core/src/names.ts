/**
 * The name of `names` closest to `name`, for "did you mean" in error messages: the same letters
 * but for case, at most a third of them edited (an adjacent swap counts one edit), or else the only
 * name that `name` (3 letters or more) begins (`crowd` for `crowding`, `cooldown` for `cooldownTicks`).
 */
export function nearestName(name: string, names: readonly string[]): string | undefined {
  if (names.includes(name)) return name;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const n of names) {
    const d = n.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, n);
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  if (best !== undefined || name.length < 3) return best;
  const lower = name.toLowerCase();
  const begun = names.filter((n) => n.toLowerCase().startsWith(lower));
  return begun.length === 1 ? begun[0] : undefined;
}

/** `; did you mean "x"?` with the nearest of `names` (see nearestName), or "" without one. */
export function suggestName(name: unknown, names: readonly string[]): string {
  if (typeof name !== "string") return "";
  const near = nearestName(name, names);
  return near === undefined || near === name ? "" : `; did you mean ${JSON.stringify(near)}?`;
}

/** Levenshtein distance, an adjacent swap counting one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}
