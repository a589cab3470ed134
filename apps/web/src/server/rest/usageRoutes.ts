// GET /api/v1/usage?from=ISO&to=ISO — the org's totals and per-model breakdown (requests, input and
// output tokens, cost) at minute resolution, from the rollups. `from` defaults to the start of the
// current billing period, `to` to now; a bad date answers 400 naming the parameter.
import { z } from "zod";
import * as usage from "../services/usage";
import { defineRoute } from "./handler";

export const getUsage = defineRoute({
  method: "GET",
  path: "/usage",
  operationId: "getUsage",
  summary: "Usage and cost between from and to (ISO 8601): totals and per model",
  tag: "usage",
  minRole: "viewer",
  query: z.object({ from: z.string().max(40).optional(), to: z.string().max(40).optional() }),
  response: usage.ZUsageSummary,
  handler: (ctx, { query }) => usage.usageSummary(ctx, query),
});

export const usageRoutes = [getUsage];
