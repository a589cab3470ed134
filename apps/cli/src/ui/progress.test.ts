import { describe, expect, it } from "vitest";
import { renderBar, toFraction } from "./progress";
import { ago, duration, table } from "./table";

describe("progress and tables", () => {
  it("renders a bar of fixed width with the percentage", () => {
    expect(renderBar(0, 10)).toBe("[░░░░░░░░░░]   0%");
    expect(renderBar(0.42, 10)).toBe("[████░░░░░░]  42%");
    expect(renderBar(2, 10)).toBe("[██████████] 100%");
    expect(renderBar(Number.NaN, 4)).toBe("[░░░░]   0%");
    expect(toFraction(50)).toBe(0.5);
    expect(toFraction(1)).toBe(0.01);
  });
  it("aligns columns and shows empty cells as -", () => {
    expect(
      table(
        ["ID", "STATE"],
        [
          ["a1", "ok"],
          ["b", null],
        ],
      ),
    ).toBe("ID  STATE\na1  ok\nb   -");
  });
  it("formats relative times and durations", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(ago("2026-01-01T11:59:30Z", now)).toBe("30s ago");
    expect(ago("2026-01-01T09:00:00Z", now)).toBe("3h ago");
    expect(ago("2026-01-31T12:00:00Z", now)).toBe("in 30d");
    expect(ago(null, now)).toBe("-");
    expect(duration(850)).toBe("850ms");
    expect(duration(12_345)).toBe("12.3s");
    expect(duration(125_000)).toBe("2m05s");
  });
});
