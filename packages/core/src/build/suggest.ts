// "Did you mean" suggestions: Damerau-Levenshtein (optimal string alignment) over a small vocabulary.

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (!m) return n;
  if (!n) return m;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => {
    const row = new Array<number>(n + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= n; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= m; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = v;
    }
  }
  return (d[m] as number[])[n] as number;
}

/** The closest candidate within a length-scaled distance, or undefined. Case-insensitive. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const x = input.toLowerCase();
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  const strip = (s: string) => s.replace(/[-_.]/g, "");
  for (const c of candidates) {
    // Separators are the usual slip (q4km for q4_k_m), so they cost nothing.
    const d = Math.min(editDistance(x, c.toLowerCase()), editDistance(strip(x), strip(c.toLowerCase())));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.ceil(x.length / 3)));
  return bestD <= limit ? best : undefined;
}

/** " (did you mean X?)" or "" — for appending to messages. */
export function suggestionSuffix(input: string, candidates: readonly string[]): string {
  const s = didYouMean(input, candidates);
  return s ? ` (did you mean ${s}?)` : "";
}
