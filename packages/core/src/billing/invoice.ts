// The invoice view's numbers: current-period usage and cost by model from our rollups, and the same
// per meter so they can be set beside Stripe's meter summaries and invoice preview. Stripe bills the
// cost meter (micro-USD at 0.0001 ¢ each), so its invoice total must equal our ledger cost in cents.
import { picoToCentsRounded } from "./money";

export type TModelUsage = {
  model: string;
  requests: number;
  promptTokens: bigint;
  completionTokens: bigint;
  costPicoUsd: bigint;
};

export type TInvoiceLine = TModelUsage & { costCents: bigint };

export function invoiceLines(rows: readonly TModelUsage[]) {
  const lines: TInvoiceLine[] = [...rows]
    .sort((a, b) =>
      b.costPicoUsd > a.costPicoUsd ? 1 : b.costPicoUsd < a.costPicoUsd ? -1 : a.model < b.model ? -1 : 1,
    )
    .map((r) => ({ ...r, costCents: picoToCentsRounded(r.costPicoUsd) }));
  const total = lines.reduce(
    (a, l) => ({
      requests: a.requests + l.requests,
      promptTokens: a.promptTokens + l.promptTokens,
      completionTokens: a.completionTokens + l.completionTokens,
      costPicoUsd: a.costPicoUsd + l.costPicoUsd,
    }),
    { requests: 0, promptTokens: 0n, completionTokens: 0n, costPicoUsd: 0n },
  );
  return { lines, total: { ...total, costCents: picoToCentsRounded(total.costPicoUsd) } };
}

/** The calendar month (UTC) containing `at`, the billing period Stripe uses for monthly prices. */
export function currentPeriod(at = Date.now()): { start: Date; end: Date } {
  const d = new Date(at);
  return {
    start: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)),
    end: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)),
  };
}

export type TInvoiceCheck = {
  /** Our ledger cost over the minutes already synced to Stripe, rounded to cents as Stripe rounds. */
  oursCents: bigint;
  stripeCents: bigint;
  /** Stripe minus ours, in cents. */
  diffCents: bigint;
  status: "match" | "mismatch";
  detail: string;
};

const cents = (c: bigint) =>
  `${c < 0n ? "-" : ""}$${(c < 0n ? -c : c) / 100n}.${((c < 0n ? -c : c) % 100n).toString().padStart(2, "0")}`;

/**
 * Stripe's invoice total for the period against our ledger's cost over the same synced minutes.
 * Equal to the cent by construction (see COST_UNIT_PICO); a difference means unsynced or failed
 * meter events, or a subscription that changed prices mid-period (`migratedAt`).
 */
export function checkInvoice(
  oursPico: bigint,
  stripeCents: bigint,
  opts: { migratedAt?: Date | null } = {},
): TInvoiceCheck {
  const oursCents = picoToCentsRounded(oursPico);
  const diffCents = stripeCents - oursCents;
  if (diffCents === 0n)
    return {
      oursCents,
      stripeCents,
      diffCents,
      status: "match",
      detail: `Stripe's total ${cents(stripeCents)} matches our ledger's cost`,
    };
  const why = opts.migratedAt
    ? ` (the subscription moved to the cost meter on ${opts.migratedAt.toISOString().slice(0, 16)}Z; Stripe bills a changed subscription item only for usage after the change)`
    : " (meter events still pending or failed: see Meter sync)";
  return {
    oursCents,
    stripeCents,
    diffCents,
    status: "mismatch",
    detail: `Stripe's total ${cents(stripeCents)} differs from our ledger's ${cents(oursCents)} by ${diffCents > 0n ? "+" : ""}${cents(diffCents)}${why}`,
  };
}
