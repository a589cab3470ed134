// A real worker process running meter sync in a loop, for billing-sync.test.ts and billing-e2e.test.ts
// to kill -9 mid-sync. Env: DATABASE_URL, STRIPE_API_BASE, STRIPE_SECRET_KEY, and BILLING_NOW_OFFSET_MS
// (optional: run the sync's clock ahead so the minutes a test just filled count as closed). Prints the
// result of each run as JSON.
import { parseStripeConfig } from "@aitk/core/billing/stripeConfig";
import { createPrisma } from "@aitk/db";
import { createStripe } from "@aitk/db/billing/stripe";
import { runBillingSync } from "../src/processors/billing-sync-run";

const cfg = parseStripeConfig({
  secretKey: process.env.STRIPE_SECRET_KEY,
  apiBase: process.env.STRIPE_API_BASE,
});
if (!cfg) throw new Error("STRIPE_SECRET_KEY is required");
const prisma = createPrisma(process.env.DATABASE_URL!, { max: 4, log: [] });
const stripe = createStripe(cfg, { maxNetworkRetries: 0 });
const offset = Number(process.env.BILLING_NOW_OFFSET_MS ?? 0);
for (;;) {
  const r = await runBillingSync(prisma, stripe, {
    maxSend: 200,
    concurrency: 2,
    now: () => Date.now() + offset,
  });
  process.stdout.write(`${JSON.stringify(r)}\n`);
  if (r.planned === 0 && r.sent === 0 && r.failed === 0 && r.duplicates === 0)
    await new Promise((res) => setTimeout(res, 200));
}
