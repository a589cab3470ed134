import { auditFacets, listAudit, ZAuditQuery } from "../services/audit";
import { adminProcedure, router } from "../trpc/init";

export const auditRouter = router({
  list: adminProcedure
    .input(ZAuditQuery.optional())
    .query(({ ctx, input }) => listAudit(ctx.svc, ZAuditQuery.parse(input ?? {}))),
  facets: adminProcedure.query(({ ctx }) => auditFacets(ctx.svc)),
});
