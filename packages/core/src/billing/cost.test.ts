// The cost meter: micro-USD with the remainder carried per (org, billing period), so Stripe's money
// (summed units × 0.0001 ¢, rounded half up) equals our ledger's pico-USD cost rounded to cents.
import { describe, expect, it } from "vitest";
import { createRng } from "../gguf/rng";
import { costPicoUsd } from "../usage/pricing";
import { checkInvoice } from "./invoice";
import {
  COST_UNIT_CENTS_DECIMAL,
  COST_UNIT_PICO,
  METER_KINDS,
  meterIdentifier,
  periodKey,
  picoToCostUnits,
  planCost,
  type TCostRow,
} from "./meters";
import { picoToCentsRounded } from "./money";
import { reconcile } from "./reconcile";

/** Stripe's line: units × unit_amount_decimal cents, exact, rounded half up to whole cents. */
function stripeCents(units: bigint): bigint {
  const [w, f = ""] = COST_UNIT_CENTS_DECIMAL.split(".");
  const scale = 10n ** BigInt(f.length);
  const perUnit = BigInt(w!) * scale + BigInt(f || "0");
  return (units * perUnit + scale / 2n) / scale;
}

describe("cost meter", () => {
  it("is the third meter, with its own identifiers", () => {
    expect(METER_KINDS).toEqual(["input", "output", "cost"]);
    expect(meterIdentifier("org1", "cost", new Date("2026-11-25T10:31:42Z"), 1)).toBe(
      "aitk:org1:cost:2026-11-25T10:31:r1",
    );
  });

  it("floors the period's pico-USD, carrying remainders across minutes and revisions", () => {
    const period = new Map<string, { pico: bigint; micro: bigint }>();
    const m = (i: number) => new Date(Date.UTC(2026, 10, 25, 10, i));
    // 0.4 µ$ + 0.4 µ$ + 0.4 µ$ = 1.2 µ$: the first two minutes send 0, the third sends 1.
    const rows = planCost(
      [0, 1, 2].map((i) => ({ orgId: "o", minute: m(i), ledgerPico: 400_000n, planned: [] })),
      period,
    );
    expect(rows.map((r) => r.value)).toEqual([0n, 0n, 1n]);
    expect(rows.map((r) => r.costPicoUsd)).toEqual([400_000n, 400_000n, 400_000n]);
    expect(period.get(periodKey("o", m(0)))).toEqual({ pico: 1_200_000n, micro: 1n });
    // A late event in minute 0 (+0.9 µ$): revision 1 covers only the new pico-USD; total 2.1 µ$ → 2.
    const planned: TCostRow[] = [{ revision: 0, value: 0n, costPicoUsd: 400_000n }];
    const late = planCost([{ orgId: "o", minute: m(0), ledgerPico: 1_300_000n, planned }], period);
    expect(late).toEqual([{ orgId: "o", minute: m(0), revision: 1, value: 1n, costPicoUsd: 900_000n }]);
    // Nothing new: nothing planned.
    const again = planCost(
      [{ orgId: "o", minute: m(0), ledgerPico: 1_300_000n, planned: [...planned, late[0]!] }],
      period,
    );
    expect(again).toEqual([]);
  });

  it("keeps one carry per org and per calendar month", () => {
    const period = new Map<string, { pico: bigint; micro: bigint }>();
    const rows = planCost(
      [
        { orgId: "a", minute: new Date("2026-10-31T23:59:00Z"), ledgerPico: 700_000n, planned: [] },
        { orgId: "a", minute: new Date("2026-11-01T00:00:00Z"), ledgerPico: 700_000n, planned: [] },
        { orgId: "b", minute: new Date("2026-11-01T00:00:00Z"), ledgerPico: 700_000n, planned: [] },
      ],
      period,
    );
    expect(rows.map((r) => r.value)).toEqual([0n, 0n, 0n]);
    expect(period.size).toBe(3);
  });

  it("matches the ledger to the cent for random prices, tokens, request fees and late events", () => {
    const rng = createRng(7);
    const int = (n: number) => Math.floor(rng() * n);
    for (let trial = 0; trial < 300; trial++) {
      const prices = Array.from({ length: 3 }, () => ({
        inputMicroUsdPerMTok: int(20_000_000),
        outputMicroUsdPerMTok: int(60_000_000),
        requestMicroUsd: int(3) === 0 ? int(5_000) : 0,
      }));
      // Ledger: per minute pico-USD, events arriving over several planning runs (some late).
      const ledger = new Map<number, bigint>();
      const rows = new Map<number, TCostRow[]>();
      const period = new Map<string, { pico: bigint; micro: bigint }>();
      let total = 0n;
      let units = 0n;
      for (let run = 0; run < 8; run++) {
        const touched = new Set<number>();
        for (let e = 0, n = 1 + int(30); e < n; e++) {
          const minute = int(50);
          const c = costPicoUsd(int(4000), int(1500), prices[int(3)]!);
          ledger.set(minute, (ledger.get(minute) ?? 0n) + c);
          total += c;
          touched.add(minute);
        }
        const planned = planCost(
          [...touched].map((i) => ({
            orgId: "o",
            minute: new Date(Date.UTC(2026, 10, 2, 0, i)),
            ledgerPico: ledger.get(i)!,
            planned: rows.get(i) ?? [],
          })),
          period,
        );
        for (const r of planned) {
          const i = r.minute.getUTCMinutes();
          rows.set(i, [...(rows.get(i) ?? []), r]);
          units += r.value;
          expect(r.value >= 0n).toBe(true);
        }
      }
      // Units sent = floor(ledger / 1 µ$), and Stripe's cents = our ledger's cents.
      expect(units).toBe(total / COST_UNIT_PICO);
      expect(units).toBe(picoToCostUnits(total));
      expect(stripeCents(units)).toBe(picoToCentsRounded(total));
    }
  });

  it("flooring to micro-USD never moves a total across a half cent", () => {
    for (const pico of [
      0n,
      4_999_999_999n,
      5_000_000_000n,
      5_000_999_999n,
      14_999_999_999n,
      15_000_000_000n,
      123_456_789_012_345_678n,
    ])
      expect(stripeCents(pico / COST_UNIT_PICO)).toBe(picoToCentsRounded(pico));
  });

  it("reconciles micro-USD and checks the invoice to the cent", () => {
    const [ok, bad] = reconcile([
      { orgId: "o", meter: "cost", ours: 1234n, stripe: 1234n },
      { orgId: "o", meter: "cost", ours: 1234n, stripe: 1200n },
    ]);
    expect(ok!.status).toBe("ok");
    expect(bad!.status).toBe("mismatch");
    expect(bad!.detail).toContain("micro-USD");
    expect(checkInvoice(12_345_000_000n, 1n)).toMatchObject({ status: "match", diffCents: 0n });
    const diff = checkInvoice(1_000_000_000_000n, 90n, {
      migratedAt: new Date("2026-11-20T12:00:00Z"),
    });
    expect(diff).toMatchObject({ status: "mismatch", oursCents: 100n, diffCents: -10n });
    expect(diff.detail).toContain("-$0.10");
    expect(diff.detail).toContain("2026-11-20T12:00");
  });
});
