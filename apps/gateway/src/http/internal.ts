// Read-only view of routing state for the dashboard: GET /internal/endpoints?org=<orgId> answers what
// this replica knows of an org's endpoints (health as routing sees it, outstanding requests, refusals).
// Authorized by a token derived from AITK_SECRET_KEY (shared with the web app); disabled without it.
// It never loads anything: an org this replica has not served yet answers `loaded: false`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { gatewayInternalToken, internalTokenMatches } from "@aitk/core/gateway/internalToken";
import type { TGatewayDeps } from "../deps";
import type { TOrgModels } from "../routing/registry";
import { errorBody, sendJson } from "./errors";

export function healthList(models: Pick<TOrgModels, "list">, now = Date.now()) {
  return models.list.map((m) => ({
    model: m.name,
    kind: m.kind,
    tier: m.tier,
    endpoints: m.endpoints.map((e) => ({
      id: e.id,
      origin: e.origin || null,
      weight: e.weight,
      healthy: e.healthyDb && !e.blockedReason && e.downUntil <= now,
      markedHealthy: e.healthyDb,
      downForMs: Math.max(0, e.downUntil - now),
      outstanding: e.outstanding,
      refused: e.blockedReason,
    })),
  }));
}

export function createInternalEndpoints(deps: TGatewayDeps) {
  const token = deps.env.AITK_SECRET_KEY ? gatewayInternalToken(deps.env.AITK_SECRET_KEY) : null;
  return (req: IncomingMessage, res: ServerResponse, query: string): void => {
    req.resume();
    if (!token) {
      sendJson(
        res,
        404,
        errorBody("invalid_request_error", "Not enabled (AITK_SECRET_KEY is not set).", "unknown_url", null),
      );
      return;
    }
    const auth = req.headers.authorization ?? "";
    const presented = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    if (!internalTokenMatches(token, presented)) {
      sendJson(
        res,
        401,
        errorBody("invalid_request_error", "Invalid internal token.", "invalid_api_key", null),
      );
      return;
    }
    const orgId = new URLSearchParams(query).get("org") ?? "";
    const models = orgId ? deps.registry.peek(orgId) : undefined;
    sendJson(
      res,
      200,
      JSON.stringify(
        models
          ? { loaded: true, loadedAt: new Date(models.loadedAt).toISOString(), data: healthList(models) }
          : { loaded: false, loadedAt: null, data: [] },
      ),
    );
  };
}
