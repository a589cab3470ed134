import { z } from "zod";
import * as keys from "../services/apiKeys";
import { orgProcedure, router } from "../trpc/init";

export const apiKeysRouter = router({
  list: orgProcedure.query(({ ctx }) => keys.listApiKeys(ctx.svc)),
  create: orgProcedure
    .input(keys.ZCreateApiKey)
    .mutation(({ ctx, input }) => keys.createApiKey(ctx.svc, input)),
  revoke: orgProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => keys.revokeApiKey(ctx.svc, input.id)),
});
