// Scheduled every 15 s: the live Docker replicas of every org, checked after their rollout
// (../deploy/replicaMonitor). Quiet unless a replica changed state.
import { monitorReplicas } from "../deploy/replicaMonitor";
import { defineProcessor } from "../processor";

export default defineProcessor("replica.monitor", async (ctx) => {
  const r = await monitorReplicas({
    prisma: ctx.prisma,
    redis: ctx.redis,
    // Gateways and the web app use the unprefixed channel in production (as deploy.apply does).
    invalidateChannel: "aitk:invalidate",
    stateKey: `${ctx.config.AITK_QUEUE_PREFIX}:replica-monitor:failures`,
    secretKeyHex: ctx.config.AITK_SECRET_KEY,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  if (r.changed)
    await ctx.log(
      `checked ${r.checked} replicas in ${r.ms} ms: ${r.healthy} healthy, ${r.unhealthy} not; ${r.changed} changed`,
    );
  return r;
});
