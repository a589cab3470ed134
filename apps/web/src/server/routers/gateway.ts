import { z } from "zod";
import * as gateway from "../services/gateway";
import { adminProcedure, orgProcedure, router } from "../trpc/init";

export const gatewayRouter = router({
  overview: orgProcedure.query(({ ctx }) => gateway.gatewayOverview(ctx.svc)),
  checkUpstream: adminProcedure
    .input(gateway.ZCheckUpstream)
    .query(({ ctx, input }) => gateway.checkUpstream(ctx.svc, input)),
  createPlaygroundKey: orgProcedure.mutation(({ ctx }) => gateway.createPlaygroundKey(ctx.svc)),
  revokePlaygroundKey: orgProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => gateway.revokePlaygroundKey(ctx.svc, input.id)),
});
