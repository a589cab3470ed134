import { describe, expect, it } from "vitest";
import { errorRate, readRollout, signatureRefusal, splitWeights } from "./rollout";

describe("rollout helpers", () => {
  it("splits canary weights by side", () => {
    expect(splitWeights(10, 1, 2)).toEqual({ newEach: 1000, oldEach: 4500 });
    expect(splitWeights(100, 2, 2)).toEqual({ newEach: 5000, oldEach: 0 });
    expect(splitWeights(0, 2, 0)).toEqual({ newEach: 0, oldEach: 0 });
  });

  it("needs enough requests for an error rate", () => {
    expect(errorRate(3, 1)).toBeNull();
    expect(errorRate(10, 1)).toBeCloseTo(0.1);
  });

  it("reads a missing or malformed rollout as empty", () => {
    expect(readRollout(null)).toEqual({ request: {}, targets: {} });
    expect(readRollout({ targets: 5 })).toEqual({ request: {}, targets: {} });
  });

  it("refuses unsigned or untrusted models only when required", () => {
    const base = { model: "m", artifact: null, trustedSigners: [] };
    expect(signatureRefusal({ ...base, orgRequires: false })).toBeNull();
    expect(signatureRefusal({ ...base, orgRequires: true })).toMatch(/not registered/);
    const signed = { manifestDigest: "sha256:x", signer: "SHA256:abc", signedAt: new Date() };
    expect(signatureRefusal({ ...base, orgRequires: true, artifact: { ...signed, signer: null } })).toMatch(
      /no verified signature/,
    );
    expect(signatureRefusal({ ...base, orgRequires: true, artifact: signed })).toMatch(/no trusted signer/);
    expect(
      signatureRefusal({ ...base, orgRequires: true, artifact: signed, trustedSigners: ["SHA256:zzz"] }),
    ).toMatch(/not a trusted signer/);
    expect(
      signatureRefusal({ ...base, orgRequires: true, artifact: signed, trustedSigners: ["SHA256:abc"] }),
    ).toBeNull();
  });
});
