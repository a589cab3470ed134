// Scheduled sweep: checks every host (Docker or Kubernetes) of every org and stores the reports on the
// Host rows. It works inline instead of fanning out host.health jobs, so the schedule does not flood
// the Job table.
import { checkHostHealth, recordHostHealth } from "@aitk/db/docker/health";
import { defineProcessor } from "../processor";

const PARALLEL = 4;

export default defineProcessor("host.healthAll", async (ctx) => {
  const hosts = await ctx.prisma.host.findMany({ orderBy: { id: "asc" } });
  let healthy = 0;
  let next = 0;
  const run = async () => {
    while (next < hosts.length && !ctx.signal.aborted) {
      const host = hosts[next++]!;
      const report = await checkHostHealth(host, { secretKeyHex: ctx.config.AITK_SECRET_KEY });
      await recordHostHealth(ctx.prisma, host.id, report);
      if (report.ok) healthy += 1;
      else ctx.logger.warn({ hostId: host.id, orgId: host.orgId, error: report.error }, "host unhealthy");
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, hosts.length) }, run));
  await ctx.log(`checked ${hosts.length} hosts: ${healthy} healthy`);
  return { checked: hosts.length, healthy };
});
