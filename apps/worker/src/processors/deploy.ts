// deploy.apply: one Revision rolled out (./deploy/apply). A failed rollout fails the job (exit 1 for the
// CLI), after the automatic rollback has put the previous revision back in charge.
import { notFound } from "@aitk/core/errors";
import { applyRevision } from "../deploy/apply";
import { defineProcessor } from "../processor";

export default defineProcessor("deploy.apply", async (ctx) => {
  const { orgId, revisionId } = ctx.payload;
  const rev = await ctx.prisma.revision.findFirst({ where: { id: revisionId, orgId } });
  if (!rev) throw notFound("revision", revisionId);
  const result = await applyRevision(
    {
      prisma: ctx.prisma,
      redis: ctx.redis,
      // Gateways and the web app use the unprefixed channel in production.
      invalidateChannel: "aitk:invalidate",
      secretKeyHex: ctx.config.AITK_SECRET_KEY,
      log: (line, level) => ctx.log(line, level),
      progress: (pct, message) => ctx.progress(pct, message),
      signal: ctx.signal,
    },
    revisionId,
  );
  if (result.status !== "active") throw new Error(`rollout ${result.status}: ${result.error ?? ""}`);
  await ctx.progress(100, "active");
  return result;
});
