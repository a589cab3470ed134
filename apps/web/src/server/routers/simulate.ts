import { z } from "zod";
import * as simulate from "../services/simulate";
import { orgProcedure, router } from "../trpc/init";

const ZSimulationId = z.object({ id: z.string().min(1).max(64) });

export const simulateRouter = router({
  catalog: orgProcedure.query(() => simulate.catalog()),
  // A pure computation: a query, so viewers can simulate too.
  run: orgProcedure.input(simulate.ZRunSimulation).query(({ input }) => simulate.runInline(input)),
  sweep: orgProcedure
    .input(simulate.ZStartSweep)
    .mutation(({ ctx, input }) => simulate.startSweep(ctx.svc, input)),
  list: orgProcedure
    .input(simulate.ZListSimulations.optional())
    .query(({ ctx, input }) => simulate.listSimulations(ctx.svc, input ?? {})),
  get: orgProcedure.input(ZSimulationId).query(({ ctx, input }) => simulate.getSimulation(ctx.svc, input.id)),
});
