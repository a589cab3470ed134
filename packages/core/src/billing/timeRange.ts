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

// ------------------------------------------------------------------------------------ rollup levels

/** The rollup tables the panels read, finest first; each level's bucket divides the next one's. */
export const ROLLUP_LEVELS = [
  { level: "minute", ms: 60_000 },
  { level: "5m", ms: 300_000 },
  { level: "hour", ms: 3_600_000 },
] as const;
export type TRollupLevel = (typeof ROLLUP_LEVELS)[number]["level"];
export type TRollupSegment = { level: TRollupLevel; from: number; to: number };

/** The levels usable for a chart step: those whose bucket divides it, so no row straddles two points. */
function levelsFor(stepMs: number): readonly (typeof ROLLUP_LEVELS)[number][] {
  const ok = ROLLUP_LEVELS.filter((l) => stepMs % l.ms === 0);
  return ok.length ? ok : [ROLLUP_LEVELS[0]];
}

/** The coarsest rollup level a chart step can read (24h → 15-minute step → the 5-minute rollups). */
export function rollupLevelFor(stepMs: number): TRollupLevel {
  return levelsFor(stepMs).at(-1)!.level;
}

/**
 * Splits [from, to) into the rows to read: the coarsest level the step allows for the aligned middle,
 * and finer levels for the ragged edges (…minute | 5m | hour | 5m | minute…). The segments are
 * contiguous and disjoint, so their sums equal the minute rows' (`minute >= from AND minute < to`)
 * exactly, however unaligned the range. Times are epoch ms; level buckets are aligned to the epoch.
 */
export function rollupSegments(fromMs: number, toMs: number, stepMs: number): TRollupSegment[] {
  type TLevel = (typeof ROLLUP_LEVELS)[number];
  const split = (from: number, to: number, levels: readonly TLevel[]): TRollupSegment[] => {
    if (from >= to) return [];
    const top = levels.at(-1)!;
    const finer = levels.slice(0, -1);
    // The finest level takes the bounds as they are (a minute row belongs to [from, to) by its start).
    if (finer.length === 0) return [{ level: top.level, from, to }];
    const a = Math.ceil(from / top.ms) * top.ms;
    const b = Math.floor(to / top.ms) * top.ms;
    if (a >= b) return split(from, to, finer);
    const mid: TRollupSegment = { level: top.level, from: a, to: b };
    return [...split(from, a, finer), mid, ...split(b, to, finer)];
  };
  return split(fromMs, toMs, levelsFor(stepMs));
}
