import { z } from "zod";
import * as models from "../services/models";
import { adminProcedure, orgProcedure, router } from "../trpc/init";

const ZModelId = z.object({ id: z.string().min(1).max(64) });

export const modelsRouter = router({
  list: orgProcedure.query(({ ctx }) => models.listModels(ctx.svc)),
  register: adminProcedure
    .input(models.ZRegisterModel)
    .mutation(({ ctx, input }) => models.registerModel(ctx.svc, input)),
  remove: adminProcedure.input(ZModelId).mutation(({ ctx, input }) => models.removeModel(ctx.svc, input.id)),
  setEnabled: adminProcedure
    .input(ZModelId.extend({ enabled: z.boolean() }))
    .mutation(({ ctx, input }) => models.setModelEnabled(ctx.svc, input.id, input.enabled)),
});
