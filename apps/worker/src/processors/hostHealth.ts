import { notFound } from "@aitk/core/errors";
import { checkHostHealth, recordHostHealth } from "@aitk/db/docker/health";
import { defineProcessor } from "../processor";

export default defineProcessor("host.health", async (ctx) => {
  const { orgId, hostId } = ctx.payload;
  const host = await ctx.prisma.host.findFirst({ where: { id: hostId, orgId } });
  if (!host) throw notFound("host", hostId);
  await ctx.log(`checking ${host.name} at ${host.endpoint}`);
  const report = await checkHostHealth(host, { secretKeyHex: ctx.config.AITK_SECRET_KEY });
  await recordHostHealth(ctx.prisma, host.id, report);
  if (!report.ok) {
    await ctx.log(`unhealthy: ${report.error}`, "error");
    throw new Error(`host ${host.name} unhealthy: ${report.error}`);
  }
  await ctx.log(
    `healthy: engine ${report.version} (API ${report.apiVersion}), ${report.containers} containers ` +
      `(${report.containersRunning} running), ${report.images} images, ${report.latencyMs} ms`,
  );
  await ctx.progress(100, "healthy");
  return report;
});
