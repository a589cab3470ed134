// Scheduled (jobDefinitions "usage.retention"): deletes raw UsageEvent rows older than each org's
// rawEventRetentionDays, in batches. Rollups are kept, so panels and invoices keep their history.
import type { TPrisma } from "@aitk/db";
import { defineProcessor } from "../processor";

export async function runRetention(prisma: TPrisma, opts: { batch?: number; maxBatches?: number } = {}) {
  const batch = opts.batch ?? 10_000;
  let deleted = 0;
  for (let i = 0; i < (opts.maxBatches ?? 100); i++) {
    const n = await prisma.$executeRaw`
      DELETE FROM "UsageEvent" WHERE "requestId" IN (
        SELECT e."requestId" FROM "UsageEvent" e JOIN "Organization" o ON o.id = e."orgId"
        WHERE e."createdAt" < now() - make_interval(days => o."rawEventRetentionDays")
        LIMIT ${batch})`;
    deleted += n;
    if (n < batch) break;
  }
  return { deleted };
}

export default defineProcessor("usage.retention", async (ctx) => {
  const r = await runRetention(ctx.prisma);
  if (r.deleted) ctx.logger.info(r, "raw usage events past retention deleted");
  return r;
});
