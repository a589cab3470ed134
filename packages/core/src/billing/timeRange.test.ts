import { describe, expect, it } from "vitest";
import { createRng } from "../gguf/rng";
import {
  type RANGE_PRESETS,
  resolveRange,
  rollupLevelFor,
  rollupSegments,
  type TRollupSegment,
} from "./timeRange";

const MIN = 60_000;
const HOUR = 3_600_000;
const SIZE = { minute: MIN, "5m": 5 * MIN, hour: HOUR } as const;

/** Every minute start in [from, to), once, in order, as the segments cover it. */
function minutesOf(segs: TRollupSegment[]): number[] {
  const out: number[] = [];
  for (const s of segs) {
    const size = SIZE[s.level];
    for (let t = Math.ceil(s.from / MIN) * MIN; t < s.to; t += MIN) out.push(t);
    if (s.level !== "minute") {
      expect(s.from % size).toBe(0);
      expect(s.to % size).toBe(0);
    }
  }
  return out;
}

function expectExact(from: number, to: number, stepMs: number) {
  const segs = rollupSegments(from, to, stepMs);
  for (let i = 1; i < segs.length; i++) expect(segs[i]!.from).toBe(segs[i - 1]!.to);
  expect(segs[0]?.from).toBe(from);
  expect(segs.at(-1)?.to).toBe(to);
  // Every level read divides the step, so no row falls into two chart buckets.
  for (const s of segs) expect(stepMs % SIZE[s.level]).toBe(0);
  const want: number[] = [];
  for (let t = Math.ceil(from / MIN) * MIN; t < to; t += MIN) want.push(t);
  expect(minutesOf(segs)).toEqual(want);
  return segs;
}

describe("rollup levels for panel steps", () => {
  it("picks the coarsest level whose bucket divides the step", () => {
    expect(rollupLevelFor(MIN)).toBe("minute");
    expect(rollupLevelFor(5 * MIN)).toBe("5m");
    expect(rollupLevelFor(15 * MIN)).toBe("5m");
    expect(rollupLevelFor(HOUR)).toBe("hour");
    expect(rollupLevelFor(6 * HOUR)).toBe("hour");
    expect(rollupLevelFor(86_400_000)).toBe("hour");
    // A step no level divides still reads minute rows.
    expect(rollupLevelFor(90_000)).toBe("minute");
  });

  it("gives each preset its level: 1h minutes, 6h and 24h 5-minute rows, 7d and 30d hours", () => {
    const now = Date.UTC(2026, 10, 25, 3, 17, 42);
    const level = (range: keyof typeof RANGE_PRESETS) => {
      const r = resolveRange({ range }, now);
      const segs = rollupSegments(r.from.getTime(), r.to.getTime(), r.stepMs);
      return segs.reduce((a, s) => (s.to - s.from > a.to - a.from ? s : a)).level;
    };
    expect(level("15m")).toBe("minute");
    expect(level("1h")).toBe("minute");
    expect(level("6h")).toBe("5m");
    expect(level("24h")).toBe("5m");
    expect(level("7d")).toBe("hour");
    expect(level("30d")).toBe("hour");
  });

  it("reads the ragged edges of a 24h range from minute rows and the rest from 5-minute rows", () => {
    const to = Date.UTC(2026, 10, 25, 3, 18);
    expect(rollupSegments(to - 24 * HOUR, to, 15 * MIN)).toEqual([
      { level: "minute", from: to - 24 * HOUR, to: to - 24 * HOUR + 2 * MIN },
      { level: "5m", from: to - 24 * HOUR + 2 * MIN, to: to - 3 * MIN },
      { level: "minute", from: to - 3 * MIN, to },
    ]);
  });

  it("fills an hourly range's edges with 5-minute, then minute rows", () => {
    const from = Date.UTC(2026, 10, 1, 10, 7);
    const to = Date.UTC(2026, 10, 8, 9, 53);
    expect(expectExact(from, to, HOUR)).toEqual([
      { level: "minute", from, to: Date.UTC(2026, 10, 1, 10, 10) },
      { level: "5m", from: Date.UTC(2026, 10, 1, 10, 10), to: Date.UTC(2026, 10, 1, 11) },
      { level: "hour", from: Date.UTC(2026, 10, 1, 11), to: Date.UTC(2026, 10, 8, 9) },
      { level: "5m", from: Date.UTC(2026, 10, 8, 9), to: Date.UTC(2026, 10, 8, 9, 50) },
      { level: "minute", from: Date.UTC(2026, 10, 8, 9, 50), to },
    ]);
  });

  it("reads one aligned range from a single level, and short ranges from minutes only", () => {
    const h = Date.UTC(2026, 10, 25, 0);
    expect(rollupSegments(h, h + 24 * HOUR, HOUR)).toEqual([{ level: "hour", from: h, to: h + 24 * HOUR }]);
    expect(rollupSegments(h + MIN, h + 4 * MIN, 15 * MIN)).toEqual([
      { level: "minute", from: h + MIN, to: h + 4 * MIN },
    ]);
    expect(rollupSegments(h, h, HOUR)).toEqual([]);
  });

  it("covers every minute of random ranges exactly once (seconds-precision bounds included)", () => {
    const rng = createRng(7);
    const base = Date.UTC(2026, 9, 1);
    for (let i = 0; i < 300; i++) {
      const from = base + Math.floor(rng() * 40 * 86_400_000);
      const len = 1000 + Math.floor(rng() * (i % 3 === 0 ? 3 * HOUR : 9 * 86_400_000));
      const step = [MIN, 5 * MIN, 15 * MIN, HOUR, 6 * HOUR, 86_400_000][i % 6]!;
      expectExact(from, from + len, step);
    }
  });
});
