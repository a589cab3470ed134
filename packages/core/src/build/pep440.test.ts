import { describe, expect, it } from "vitest";
import { comparePep440, normalizePep440, normalizePypiName, parsePep440, satisfiesPep440 } from "./pep440";

describe("PEP 440 ordering", () => {
  // Strictly increasing, from the spec's examples plus the cases that trip naive comparators.
  const ordered = [
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
    "2.8.0",
    "2.8.0.post1",
    "2.10.0",
    "1!0.1",
  ];
  it("orders the spec's example sequence", () => {
    for (let i = 0; i + 1 < ordered.length; i++) {
      expect(
        comparePep440(ordered[i] as string, ordered[i + 1] as string),
        `${ordered[i]} < ${ordered[i + 1]}`,
      ).toBe(-1);
      expect(comparePep440(ordered[i + 1] as string, ordered[i] as string)).toBe(1);
    }
  });
  it("treats trailing zeros and spellings as equal", () => {
    expect(comparePep440("1.0", "1.0.0")).toBe(0);
    expect(comparePep440("1.0-alpha1", "1.0a1")).toBe(0);
    expect(comparePep440("1.0c1", "1.0rc1")).toBe(0);
    expect(comparePep440("1.0-1", "1.0.post1")).toBe(0);
    expect(comparePep440("v2.4.0", "2.4.0")).toBe(0);
    expect(normalizePep440("1.0-Alpha1")).toBe("1.0a1");
    expect(normalizePep440("1.0.POST")).toBe("1.0.post0");
  });
  it("parses local labels (torch CUDA variants)", () => {
    expect(parsePep440("2.4.0+cu121")?.local).toEqual(["cu121"]);
    expect(comparePep440("2.4.0+cu121", "2.4.0")).toBe(1);
    expect(parsePep440("not a version")).toBeNull();
    expect(parsePep440("1.0+")).toBeNull();
  });
});

describe("PEP 440 specifiers", () => {
  it("matches ranges, ignoring local labels", () => {
    expect(satisfiesPep440("2.4.0+cu121", ">=2.4,<2.5")).toBe(true);
    expect(satisfiesPep440("2.4.0+cu121", "==2.4.0")).toBe(true);
    expect(satisfiesPep440("2.4.0", "==2.4.0+cu121")).toBe(false);
    expect(satisfiesPep440("2.5.0", ">=2.4,<2.5")).toBe(false);
  });
  it("excludes pre-releases unless asked or named", () => {
    expect(satisfiesPep440("2.5.0rc1", ">=2.4")).toBe(false);
    expect(satisfiesPep440("2.5.0rc1", ">=2.4", true)).toBe(true);
    expect(satisfiesPep440("2.5.0rc2", ">=2.5.0rc1")).toBe(true);
    expect(satisfiesPep440("2.5.0rc1", "<2.5.0", true)).toBe(false); // <V excludes V's pre-releases
  });
  it("handles ~=, wildcards, != and >V post-release exclusion", () => {
    expect(satisfiesPep440("2.2.5", "~=2.2")).toBe(true);
    expect(satisfiesPep440("3.0", "~=2.2")).toBe(false);
    expect(satisfiesPep440("1.4.5", "~=1.4.2")).toBe(true);
    expect(satisfiesPep440("1.5.0", "~=1.4.2")).toBe(false);
    expect(satisfiesPep440("1.1.3", "==1.1.*")).toBe(true);
    expect(satisfiesPep440("1.2.0", "==1.1.*")).toBe(false);
    expect(satisfiesPep440("1.2.0", "!=1.1.*")).toBe(true);
    expect(satisfiesPep440("1.7.0.post1", ">1.7")).toBe(false);
    expect(satisfiesPep440("1.7.1", ">1.7")).toBe(true);
    expect(satisfiesPep440("1.0", "bogus")).toBe(false);
  });
  it("normalizes PyPI names (PEP 503)", () => {
    expect(normalizePypiName("Torch_Vision")).toBe("torch-vision");
    expect(normalizePypiName("llama.cpp--python")).toBe("llama-cpp-python");
  });
});
