import { toHandler } from "../../../../../server/rest/handler";
import { exportAuditLog } from "../../../../../server/rest/auditRoutes";

export const dynamic = "force-dynamic";
export const GET = toHandler(exportAuditLog);
