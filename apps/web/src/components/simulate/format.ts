// Number formatting shared by the Simulate views.

export const gib = (b: number) => `${(b / 1024 ** 3).toFixed(b >= 100 * 1024 ** 3 ? 0 : 1)} GiB`;

export const ms = (x: number) =>
  x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`;

export const num = (x: number) =>
  x >= 1e6
    ? `${(x / 1e6).toFixed(2)} M`
    : x >= 1e4
      ? `${(x / 1e3).toFixed(1)} k`
      : x.toFixed(x >= 100 ? 0 : 1);

export const int = (x: number) => Math.round(x).toLocaleString("en-US");

export const joules = (j: number) => (j >= 1 ? `${j.toFixed(2)} J` : `${(j * 1000).toFixed(1)} mJ`);

/** "1, 8, 32" → [1, 8, 32]; null when any entry is not a positive whole number. */
export function parseList(text: string): number[] | null {
  const parts = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return [];
  const out: number[] = [];
  for (const p of parts) {
    const n = Number(p.replace(/k$/i, "000"));
    if (!Number.isInteger(n) || n < 1) return null;
    out.push(n);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}
