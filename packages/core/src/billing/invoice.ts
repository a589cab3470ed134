// The invoice view's numbers: current-period usage and cost by model from our rollups, and the same
// per meter so they can be set beside Stripe's meter summaries and invoice preview.
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
