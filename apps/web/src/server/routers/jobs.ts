import { z } from "zod";
import * as jobs from "../services/jobs";
import { orgProcedure, router } from "../trpc/init";

const ZJobId = z.object({ id: z.string().min(1).max(64) });

export const jobsRouter = router({
  list: orgProcedure
    .input(jobs.ZListJobs.optional())
    .query(({ ctx, input }) => jobs.listJobs(ctx.svc, input ?? {})),
  get: orgProcedure.input(ZJobId).query(({ ctx, input }) => jobs.getJob(ctx.svc, input.id)),
  logs: orgProcedure.input(ZJobId).query(({ ctx, input }) => jobs.getJobLogs(ctx.svc, input.id)),
  runDemo: orgProcedure
    .input(jobs.ZRunDemoJob.optional())
    .mutation(({ ctx, input }) => jobs.runDemoJob(ctx.svc, input ?? {})),
  cancel: orgProcedure.input(ZJobId).mutation(({ ctx, input }) => jobs.cancelJob(ctx.svc, input.id)),
});
