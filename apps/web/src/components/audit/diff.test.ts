import { describe, expect, it } from "vitest";
import { diffJson } from "./diff";

describe("audit diffJson", () => {
  it("lists added, removed, changed and unchanged leaf paths", () => {
    const rows = diffJson(
      { enabled: true, name: "m", limits: { rpm: 10, tpm: 5 }, gone: 1 },
      { enabled: false, name: "m", limits: { rpm: 20, tpm: 5 }, fresh: [1, 2] },
    );
    expect(rows).toEqual([
      { path: "enabled", kind: "changed", before: true, after: false },
      { path: "fresh", kind: "added", after: [1, 2] },
      { path: "gone", kind: "removed", before: 1 },
      { path: "limits.rpm", kind: "changed", before: 10, after: 20 },
      { path: "limits.tpm", kind: "same", before: 5, after: 5 },
      { path: "name", kind: "same", before: "m", after: "m" },
    ]);
  });

  it("handles a create (no before) and a delete (no after)", () => {
    expect(diffJson(null, { a: 1 })).toEqual([{ path: "a", kind: "added", after: 1 }]);
    expect(diffJson({ a: 1 }, undefined)).toEqual([{ path: "a", kind: "removed", before: 1 }]);
    expect(diffJson(null, null)).toEqual([]);
  });
});
