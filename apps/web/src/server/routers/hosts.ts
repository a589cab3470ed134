import { z } from "zod";
import * as docker from "../services/docker";
import * as hosts from "../services/hosts";
import { adminProcedure, orgProcedure, router } from "../trpc/init";

const ZHostId = z.object({ id: z.string().min(1).max(64) });

export const hostsRouter = router({
  list: orgProcedure.query(({ ctx }) => hosts.listHosts(ctx.svc)),
  get: orgProcedure.input(ZHostId).query(({ ctx, input }) => hosts.getHost(ctx.svc, input.id)),
  register: adminProcedure
    .input(hosts.ZRegisterHost)
    .mutation(({ ctx, input }) => hosts.registerHost(ctx.svc, input)),
  remove: adminProcedure.input(ZHostId).mutation(({ ctx, input }) => hosts.removeHost(ctx.svc, input.id)),
  checkNow: orgProcedure.input(ZHostId).mutation(({ ctx, input }) => hosts.checkHostNow(ctx.svc, input.id)),
  containers: orgProcedure
    .input(ZHostId.extend({ all: z.boolean().default(true) }))
    .query(({ ctx, input }) => docker.listContainers(ctx.svc, input.id, { all: input.all })),
  containerLogs: orgProcedure
    .input(docker.ZContainerLogsQuery.extend({ id: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => docker.containerLogs(ctx.svc, input.id, input)),
});
