// Number formatting for panels: short, unit-aware, never "NaN".

export function num(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(digits)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(digits)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(digits)}k`;
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return v.toFixed(a < 1 ? 3 : digits);
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return `${(v * 100).toFixed(v < 0.01 && v > 0 ? 2 : 1)} %`;
}

export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  return `$${v.toFixed(a === 0 ? 2 : a < 0.01 ? 6 : a < 1 ? 4 : 2)}`;
}

export function timeLabel(t: number, stepMs: number): string {
  const d = new Date(t);
  if (stepMs >= 86_400_000) return d.toISOString().slice(5, 10);
  if (stepMs >= 3_600_000) return `${d.toISOString().slice(5, 10)} ${d.toISOString().slice(11, 16)}`;
  return d.toISOString().slice(11, 16);
}

export const PALETTE = [
  "#2f5bd3",
  "#1f8a4c",
  "#b7791f",
  "#c53030",
  "#7b4bd3",
  "#138a9a",
  "#a34f86",
  "#5f6673",
];
