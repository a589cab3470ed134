import { z } from "zod";
import * as prices from "../services/prices";
import { adminProcedure, orgProcedure, router } from "../trpc/init";

export const pricesRouter = router({
  list: orgProcedure.query(({ ctx }) => prices.listPrices(ctx.svc)),
  create: adminProcedure
    .input(prices.ZCreatePrice)
    .mutation(({ ctx, input }) => prices.createPrice(ctx.svc, input)),
  remove: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => prices.deletePrice(ctx.svc, input.id)),
});
