// GET /api/v1/audit/export — the audit log as JSON lines, oldest first, streamed (any length in
// constant memory). Filters: from/to (ISO 8601, to exclusive), action (prefix), targetType,
// actorUserId, actorApiKeyId. Needs a key acting as admin.
import * as audit from "../services/audit";
import { auditNdjsonResponse } from "../services/auditExport";
import { defineRoute } from "./handler";

export const exportAuditLog = defineRoute({
  method: "GET",
  path: "/audit/export",
  operationId: "exportAuditLog",
  summary: "Audit log as JSON lines (application/x-ndjson), one entry per line, oldest first",
  tag: "audit",
  minRole: "admin",
  contentType: "application/x-ndjson",
  query: audit.ZAuditExportQuery,
  response: audit.ZAuditEntry,
  handler: (ctx, { query }) => auditNdjsonResponse(ctx, query),
});

export const auditRoutes = [exportAuditLog];
