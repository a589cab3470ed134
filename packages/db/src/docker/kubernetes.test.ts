import { describe, expect, it } from "vitest";
import { parseQuantity } from "./kubernetes";

describe("parseQuantity", () => {
  it("reads Kubernetes quantities", () => {
    expect(parseQuantity("16Gi")).toBe(16 * 1024 ** 3);
    expect(parseQuantity("4")).toBe(4);
    expect(parseQuantity("3500m")).toBe(3.5);
    expect(parseQuantity("2k")).toBe(2000);
    expect(parseQuantity(undefined)).toBe(0);
    expect(parseQuantity("garbage!")).toBe(0);
  });
});
