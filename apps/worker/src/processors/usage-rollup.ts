// Scheduled (jobDefinitions "usage.rollup"): keeps UsageRollup up to date so panels never scan raw events.
import { defineProcessor } from "../processor";
import { runRollup } from "./usage-rollup-run";

export default defineProcessor("usage.rollup", async (ctx) => {
  const r = await runRollup(ctx.prisma);
  if (r.rows > 0) ctx.logger.debug(r, "usage rolled up");
  return r;
});
