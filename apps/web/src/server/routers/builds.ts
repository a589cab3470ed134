import { z } from "zod";
import * as builds from "../services/builds";
import { orgProcedure, router } from "../trpc/init";
import { requireRole } from "../services/actor";

const ZBuildId = z.object({ id: z.string().min(1).max(64) });

export const buildsRouter = router({
  list: orgProcedure
    .input(builds.ZListBuilds.optional())
    .query(({ ctx, input }) => builds.listBuilds(ctx.svc, input ?? {})),
  get: orgProcedure.input(ZBuildId).query(({ ctx, input }) => builds.getBuild(ctx.svc, input.id)),
  // A mutation (the file can be long for a GET URL) that changes nothing; members draft builds.
  dryRun: orgProcedure.input(builds.ZDryRun).mutation(({ ctx, input }) => {
    requireRole(ctx.actor, "member");
    return builds.dryRun(input);
  }),
  create: orgProcedure
    .input(builds.ZCreateBuild)
    .mutation(({ ctx, input }) => builds.createBuild(ctx.svc, input)),
  cancel: orgProcedure.input(ZBuildId).mutation(({ ctx, input }) => builds.cancelBuild(ctx.svc, input.id)),
});
