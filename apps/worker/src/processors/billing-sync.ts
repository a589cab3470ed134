// Scheduled every 30 s (jobDefinitions "billing.sync"): ledger → Stripe meter events. Off (a no-op)
// when STRIPE_SECRET_KEY is not set: usage and costs are still recorded and shown.
import { parseStripeConfig } from "@aitk/core/billing/stripeConfig";
import { createStripe } from "@aitk/db/billing/stripe";
import { defineProcessor } from "../processor";
import { runBillingSync } from "./billing-sync-run";

let client: { key: string; stripe: ReturnType<typeof createStripe> } | null = null;

export function stripeFromConfig(config: { STRIPE_SECRET_KEY?: string; STRIPE_API_BASE?: string }) {
  const cfg = parseStripeConfig({ secretKey: config.STRIPE_SECRET_KEY, apiBase: config.STRIPE_API_BASE });
  if (!cfg) return null;
  const key = `${cfg.protocol}://${cfg.host}:${cfg.port}/${cfg.secretKey}`;
  if (client?.key !== key) client = { key, stripe: createStripe(cfg) };
  return client.stripe;
}

export default defineProcessor("billing.sync", async (ctx) => {
  const stripe = stripeFromConfig(ctx.config);
  if (!stripe) return { skipped: "STRIPE_SECRET_KEY is not set: billing sync is off" };
  const r = await runBillingSync(ctx.prisma, stripe, {
    log: (msg, extra) => ctx.logger.warn(extra ?? {}, msg),
  });
  if (r.planned || r.sent || r.failed) ctx.logger.info(r, "billing sync");
  return r;
});
