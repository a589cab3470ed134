import { z } from "zod";
import { defineRoute, toHandler } from "../../../../server/rest/handler";
import * as usage from "../../../../server/services/usage";

export const dynamic = "force-dynamic";

// GET /api/v1/usage?from=ISO&to=ISO — the org's totals and per-model breakdown (requests, input and
// output tokens, cost) at minute resolution, from the rollups. Bad or missing dates answer 400 naming
// the parameter.
const getUsage = defineRoute({
  method: "GET",
  path: "/usage",
  operationId: "getUsage",
  summary: "Usage and cost between from and to (ISO 8601), totals and per model",
  tag: "usage",
  minRole: "viewer",
  query: z.object({ from: z.string().optional(), to: z.string().optional() }),
  response: usage.ZUsageSummary,
  handler: (ctx, { query }) => {
    if (!query.from)
      return Promise.reject(
        usage.validation("from", "from: is required (ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z)"),
      );
    return usage.usageSummary(ctx, { from: query.from, to: query.to });
  },
});

export const GET = toHandler(getUsage);
