// Scheduled every 2 s (jobDefinitions "ledger.drain"): moves gateway usage events from the Redis
// stream `aitk:ledger` into UsageEvent rows. See ledgerDrain.ts for the delivery guarantees.
import { defineProcessor } from "../processor";
import { drainLedger } from "./ledgerDrain";

export default defineProcessor("ledger.drain", async (ctx) => {
  const r = await drainLedger({
    prisma: ctx.prisma,
    redis: ctx.redis,
    maxMs: 1_500,
    log: (msg, extra) => ctx.logger.warn(extra ?? {}, msg),
  });
  if (r.read > 0) ctx.logger.info(r, "ledger drained");
  return r;
});
