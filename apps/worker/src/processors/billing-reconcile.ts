// Scheduled (jobDefinitions "billing.reconcile"): subscriptions still on the old token prices are
// moved to the cost meter, then our totals are compared with Stripe's meter event summaries.
import { defineProcessor } from "../processor";
import { migrateSubscriptions, runReconcile } from "./billing-reconcile-run";
import { stripeFromConfig } from "./billing-sync";

export default defineProcessor("billing.reconcile", async (ctx) => {
  const stripe = stripeFromConfig(ctx.config);
  if (!stripe) return { skipped: "STRIPE_SECRET_KEY is not set: reconciliation is off" };
  const { migrated } = await migrateSubscriptions(ctx.prisma, stripe, {
    log: (msg, extra) => ctx.logger.warn(extra ?? {}, msg),
  });
  if (migrated) ctx.logger.info({ migrated }, "subscriptions moved to the cost meter");
  const { results: _r, ...summary } = await runReconcile(ctx.prisma, stripe);
  if (summary.mismatches || summary.errors)
    ctx.logger.warn(summary, "billing reconciliation found differences");
  return summary;
});
