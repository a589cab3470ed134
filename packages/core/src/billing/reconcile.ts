// Reconciliation: our per-org per-meter totals against Stripe's meter event summaries.
import type { TMeterKind } from "./meters";

export type TReconcileInput = {
  orgId: string;
  meter: TMeterKind;
  /** What we sent (MeterSync rows with status sent) for the period. */
  ours: bigint;
  /** Stripe's summed aggregated_value, or null when it could not be read. */
  stripe: bigint | null;
  error?: string;
};

export type TReconcileStatus = "ok" | "mismatch" | "error";

export type TReconcileResult = TReconcileInput & {
  status: TReconcileStatus;
  diff: bigint | null;
  detail: string | null;
};

export function reconcile(rows: readonly TReconcileInput[]): TReconcileResult[] {
  return rows.map((r) => {
    if (r.stripe === null)
      return { ...r, status: "error", diff: null, detail: r.error ?? "Stripe summary unavailable" };
    const diff = r.stripe - r.ours;
    return diff === 0n
      ? { ...r, status: "ok", diff, detail: null }
      : {
          ...r,
          status: "mismatch",
          diff,
          detail: `Stripe has ${r.stripe} ${r.meter} tokens, we sent ${r.ours} (${diff > 0n ? "+" : ""}${diff})`,
        };
  });
}
