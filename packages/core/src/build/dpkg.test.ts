import { describe, expect, it } from "vitest";
import { compareDpkg, parseDpkgVersion } from "./dpkg";

describe("dpkg version ordering", () => {
  const lt: [string, string][] = [
    ["1.0~rc1", "1.0"], // tilde sorts before the empty string
    // deb-version(7): ~~ < ~~a < ~ < (empty) < a
    ["1.0~~", "1.0~~a"],
    ["1.0~~a", "1.0~"],
    ["1.0", "1.0a"], // letters after the end
    ["1.0a", "1.0+"], // letters before non-letters
    ["1.0", "1.0-0.1"],
    ["1.0-1", "1.0-1ubuntu0.1"],
    ["2.9", "2.10"], // digit runs are numbers
    ["1.01", "1.2"], // leading zeros ignored: 1 < 2
    ["9.9", "1:0.1"], // epoch wins
    ["5.6.1-1", "5.6.1+really5.4.5-1"], // the xz-utils revert
    ["3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.15"],
    ["1.2.3-1", "1.2.3-1+deb12u1"],
    ["7.81.0-1ubuntu1.15", "7.81.0-1ubuntu1.16"],
  ];
  it.each(lt)("%s < %s", (a, b) => {
    expect(compareDpkg(a, b)).toBe(-1);
    expect(compareDpkg(b, a)).toBe(1);
  });
  it("equalities", () => {
    expect(compareDpkg("0:1.0", "1.0")).toBe(0);
    expect(compareDpkg("1.001", "1.1")).toBe(0);
    expect(compareDpkg("1.0-1", "1.0-1")).toBe(0);
  });
  it("parses epoch, upstream (with dashes) and revision", () => {
    expect(parseDpkgVersion("1:2.3-4-5")).toEqual({ epoch: 1, upstream: "2.3-4", revision: "5" });
    expect(parseDpkgVersion("a1.0")).toBeNull(); // upstream must start with a digit
    expect(parseDpkgVersion("x:1.0")).toBeNull();
    expect(parseDpkgVersion("1.0 2")).toBeNull();
  });
});
