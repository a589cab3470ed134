// The Audit page's "Download" button: the same JSON-lines export as GET /api/v1/audit/export, for the
// signed-in member's active org (admin role), with the page's filters in the query string.
import { DomainError } from "@aitk/core/errors";
import { requestedOrgFromRequest, sessionFromRequest } from "../../../../server/auth/session";
import { getDeps } from "../../../../server/deps";
import { toDomainError, zodToDomainError } from "../../../../server/errors";
import { errorResponse, clientIp } from "../../../../server/rest/handler";
import { ZAuditExportQuery } from "../../../../server/services/audit";
import { auditNdjsonResponse } from "../../../../server/services/auditExport";
import { resolveMembership } from "../../../../server/services/org";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  const deps = getDeps();
  try {
    const session = await sessionFromRequest(req);
    if (!session) throw new DomainError("UNAUTHORIZED", "sign in first");
    const m = await resolveMembership(deps, session.userId, requestedOrgFromRequest(req));
    if (!m) throw new DomainError("FORBIDDEN", "you are not a member of any organization");
    const parsed = ZAuditExportQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
    if (!parsed.success) throw zodToDomainError(parsed.error, "query");
    const actor = { orgId: m.orgId, role: m.role, userId: session.userId, apiKeyId: null, ip: clientIp(req) };
    return await auditNdjsonResponse({ deps, actor }, parsed.data);
  } catch (e) {
    const d = toDomainError(e);
    if (d) return errorResponse(d);
    deps.logger.error({ err: (e as Error).message }, "audit export failed");
    return Response.json({ error: { code: "INTERNAL", message: "internal error" } }, { status: 500 });
  }
}
