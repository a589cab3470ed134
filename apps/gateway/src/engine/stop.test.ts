import { describe, expect, it } from "vitest";
import { scanForStop } from "./stop";

describe("scanForStop", () => {
  it("sends everything when there are no stops", () => {
    expect(scanForStop("hello", [])).toEqual({ safeEnd: 5 });
  });
  it("holds back a possible stop prefix", () => {
    expect(scanForStop("hello wo", ["world"])).toEqual({ safeEnd: 6 });
    expect(scanForStop("hello x", ["world"])).toEqual({ safeEnd: 7 });
  });
  it("finds the earliest stop, also across already sent text", () => {
    expect(scanForStop("one two three", ["three", "two"], 5)).toEqual({ safeEnd: 4, stopAt: 4 });
    expect(scanForStop("abcdef", ["cde"], 4)).toEqual({ safeEnd: 2, stopAt: 2 });
  });
  it("holds back an incomplete UTF-8 character", () => {
    expect(scanForStop("ab\ufffd", [])).toEqual({ safeEnd: 2 });
  });
  it("never goes back before what was already sent", () => {
    expect(scanForStop("abc", ["cd"], 3)).toEqual({ safeEnd: 3 });
  });
});
