import * as usage from "../services/usage";
import { orgProcedure, router } from "../trpc/init";

export const usageRouter = router({
  dashboard: orgProcedure.input(usage.ZUsageQuery).query(({ ctx, input }) => usage.dashboard(ctx.svc, input)),
  summary: orgProcedure
    .input(usage.ZUsageSummaryQuery)
    .query(({ ctx, input }) => usage.usageSummary(ctx.svc, input)),
});
