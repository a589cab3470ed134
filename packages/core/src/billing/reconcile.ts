// Reconciliation: our per-org per-meter totals against Stripe's meter event summaries. Token meters
// compare token counts; the cost meter compares micro-USD (our ledger's pico-USD cost, floored to the
// meter's unit exactly as the meter sync carries it).
import { METERS, type TMeterKind } from "./meters";

export type TReconcileInput = {
  orgId: string;
  meter: TMeterKind;
  /** Our ledger's total for the period, in the meter's unit (tokens, or micro-USD for cost). */
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
    const unit = METERS[r.meter].unit;
    return diff === 0n
      ? { ...r, status: "ok", diff, detail: null }
      : {
          ...r,
          status: "mismatch",
          diff,
          detail: `Stripe has ${r.stripe} ${r.meter} ${unit}, our ledger ${r.ours} (${diff > 0n ? "+" : ""}${diff})`,
        };
  });
}
