// Dashboard time ranges: presets (kept in the URL as ?range=24h) or a custom from/to, and the bucket
// step that keeps every series at a few hundred points at most.
import { DomainError } from "../errors";

export const RANGE_PRESETS = {
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "6h": 6 * 3_600_000,
  "24h": 24 * 3_600_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
} as const;
export type TRangePreset = keyof typeof RANGE_PRESETS;
export const RANGE_PRESET_NAMES = Object.keys(RANGE_PRESETS) as TRangePreset[];

const STEPS = [60_000, 300_000, 900_000, 3_600_000, 6 * 3_600_000, 86_400_000];
const MAX_POINTS = 200;
/** The longest custom range a panel may ask for. */
export const MAX_RANGE_MS = 400 * 86_400_000;

export type TTimeRange = { from: Date; to: Date; stepMs: number };

export function stepFor(durationMs: number): number {
  return STEPS.find((s) => durationMs / s <= MAX_POINTS) ?? STEPS[STEPS.length - 1]!;
}

/** Resolves a preset or a custom range; errors name the offending field. */
export function resolveRange(
  input: { range?: string | null; from?: Date | string | null; to?: Date | string | null },
  now = Date.now(),
): TTimeRange {
  const date = (v: Date | string, field: string) => {
    const d = v instanceof Date ? v : new Date(v);
    if (Number.isNaN(d.getTime()))
      throw new DomainError("VALIDATION", `${field}: not an ISO 8601 date-time: ${String(v)}`, { field });
    return d;
  };
  if (input.from || input.to) {
    if (!input.from) throw new DomainError("VALIDATION", "from: is required with to", { field: "from" });
    const from = date(input.from, "from");
    const to = input.to ? date(input.to, "to") : new Date(now);
    if (to.getTime() <= from.getTime())
      throw new DomainError("VALIDATION", "to: must be after from", { field: "to" });
    if (to.getTime() - from.getTime() > MAX_RANGE_MS)
      throw new DomainError("VALIDATION", "to: the range may span at most 400 days", { field: "to" });
    return { from, to, stepMs: stepFor(to.getTime() - from.getTime()) };
  }
  const preset = (input.range ?? "24h") as TRangePreset;
  const ms = RANGE_PRESETS[preset];
  if (!ms)
    throw new DomainError("VALIDATION", `range: unknown preset "${input.range}"`, {
      field: "range",
      choices: RANGE_PRESET_NAMES,
    });
  const stepMs = stepFor(ms);
  // Align the end to the step so consecutive refreshes reuse the same buckets.
  const to = Math.ceil(now / 60_000) * 60_000;
  return { from: new Date(to - ms), to: new Date(to), stepMs };
}
