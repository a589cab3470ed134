// Scheduled (jobDefinitions "billing.reconcile"): our totals vs Stripe's meter event summaries.
import { defineProcessor } from "../processor";
import { runReconcile } from "./billing-reconcile-run";
import { stripeFromConfig } from "./billing-sync";

export default defineProcessor("billing.reconcile", async (ctx) => {
  const stripe = stripeFromConfig(ctx.config);
  if (!stripe) return { skipped: "STRIPE_SECRET_KEY is not set: reconciliation is off" };
  const { results: _r, ...summary } = await runReconcile(ctx.prisma, stripe);
  if (summary.mismatches || summary.errors)
    ctx.logger.warn(summary, "billing reconciliation found differences");
  return summary;
});
