import { describe, expect, it } from "vitest";
import { LEASE_FRACTION_DEFAULT, leaseSize, leaseUsable, limitsSignature } from "./rateLease";

describe("rate-limit leases", () => {
  it("slices the tighter limit of key and org, per kind", () => {
    expect(leaseSize({ rpm: 0, tpm: 0 }, { rpm: 1000, tpm: 2_000_000 }, LEASE_FRACTION_DEFAULT)).toEqual({
      req: 15,
      tok: 31_250,
    });
    expect(leaseSize({ rpm: 640, tpm: 0 }, { rpm: 1000, tpm: 0 }, 1 / 64)).toEqual({
      req: 10,
      tok: Number.POSITIVE_INFINITY,
    });
  });

  it("unlimited on both sides needs no counting at all", () => {
    const s = leaseSize({ rpm: 0, tpm: 0 }, { rpm: 0, tpm: 0 }, 0);
    expect(s).toEqual({ req: Number.POSITIVE_INFINITY, tok: Number.POSITIVE_INFINITY });
    expect(leaseUsable(s, 5000)).toBe(true);
  });

  it("small limits and large reservations stay exact, request by request", () => {
    // The seed's free tier (10/min) and the 100/min of the two-replica test: a slice under 2 requests.
    expect(leaseUsable(leaseSize({ rpm: 100, tpm: 0 }, { rpm: 1000, tpm: 0 }, 1 / 64), 10)).toBe(false);
    expect(leaseUsable(leaseSize({ rpm: 0, tpm: 0 }, { rpm: 10, tpm: 40_000 }, 1 / 64), 10)).toBe(false);
    // A token slice must hold two reservations of this size.
    const paid = leaseSize({ rpm: 0, tpm: 0 }, { rpm: 1000, tpm: 2_000_000 }, 1 / 64);
    expect(leaseUsable(paid, 1_100)).toBe(true);
    expect(leaseUsable(paid, 20_000)).toBe(false);
    // Fraction 0 turns leasing off for every limited kind.
    expect(leaseUsable(leaseSize({ rpm: 0, tpm: 0 }, { rpm: 1000, tpm: 0 }, 0), 1)).toBe(false);
  });

  it("a changed limit changes the signature", () => {
    expect(limitsSignature({ rpm: 1, tpm: 2 }, { rpm: 3, tpm: 4 })).toBe("1/2/3/4");
    expect(limitsSignature({ rpm: 1, tpm: 2 }, { rpm: 3, tpm: 5 })).not.toBe("1/2/3/4");
  });
});
