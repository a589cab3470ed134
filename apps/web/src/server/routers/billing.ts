import * as billing from "../services/billing";
import { adminProcedure, orgProcedure, router } from "../trpc/init";

export const billingRouter = router({
  overview: orgProcedure.query(({ ctx }) => billing.overview(ctx.svc)),
  linkCustomer: adminProcedure.mutation(({ ctx }) => billing.linkCustomer(ctx.svc)),
  subscribe: adminProcedure.mutation(({ ctx }) => billing.subscribe(ctx.svc)),
  cancel: adminProcedure.mutation(({ ctx }) => billing.cancel(ctx.svc)),
  grafana: orgProcedure.query(({ ctx }) => billing.grafanaExport(ctx.svc)),
});
