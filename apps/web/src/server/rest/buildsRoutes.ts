// /api/v1 operations of Builds and the compatibility graph (registered in routes.ts' allRoutes).
import { z } from "zod";
import * as builds from "../services/builds";
import * as compat from "../services/compat";
import { defineRoute } from "./handler";
import { ZIdParams, ZPage } from "./schemas";

export const createBuild = defineRoute({
  method: "POST",
  path: "/builds",
  operationId: "createBuild",
  summary:
    "Build an image from a Dockerfile.ai on a Docker host (parse + resolve first: errors are 400 with line:column); `?dryRun=true` returns the plan without building",
  tag: "builds",
  minRole: "member",
  query: z.object({ dryRun: z.enum(["true", "false"]).default("false") }),
  // Create and dry-run share the body; the service validates it against the matching schema.
  body: z.unknown().meta({
    description: "Dockerfile.ai text and options",
    ...z.toJSONSchema(builds.ZCreateBuild, { io: "input", unrepresentable: "any" }),
  }),
  response: z.union([builds.ZBuild, builds.ZDryRunOut]),
  status: 201,
  handler: async (ctx, { query, body }) => {
    if (query.dryRun === "true") {
      const out = builds.dryRun(builds.ZDryRun.parse(body));
      return out;
    }
    return builds.createBuild(ctx, builds.ZCreateBuild.parse(body));
  },
});

export const listBuilds = defineRoute({
  method: "GET",
  path: "/builds",
  operationId: "listBuilds",
  summary: "Builds of the organization, newest first (status, tag, host, duration, size, CVE count)",
  tag: "builds",
  minRole: "viewer",
  query: builds.ZListBuilds,
  response: ZPage(builds.ZBuildSummary),
  handler: (ctx, { query }) => builds.listBuilds(ctx, query),
});

export const getBuild = defineRoute({
  method: "GET",
  path: "/builds/{id}",
  operationId: "getBuild",
  summary: "One build: resolution with its reasons, generated files, SBOM (CycloneDX 1.6), scan findings",
  tag: "builds",
  minRole: "viewer",
  params: ZIdParams,
  response: builds.ZBuild,
  handler: (ctx, { params }) => builds.getBuild(ctx, params.id),
});

export const cancelBuild = defineRoute({
  method: "POST",
  path: "/builds/{id}/cancel",
  operationId: "cancelBuild",
  summary: "Cancel a build (queued: dropped; running: the Docker build is aborted)",
  tag: "builds",
  minRole: "member",
  params: ZIdParams,
  response: z.object({ outcome: z.enum(["cancelled", "cancelling", "finished"]), status: z.string() }),
  status: 202,
  handler: (ctx, { params }) => builds.cancelBuild(ctx, params.id),
});

export const getCompat = defineRoute({
  method: "GET",
  path: "/compat",
  operationId: "getCompatibility",
  summary:
    "The compatibility graph the resolver uses (engine@version → torch → CUDA → cuDNN/images → driver floor; targets), filterable, with provenance",
  tag: "builds",
  minRole: "viewer",
  query: compat.ZCompatQuery,
  response: compat.ZCompatGraph,
  handler: async (_ctx, { query }) => compat.compatGraph(query),
});

export const buildsRoutes = [createBuild, listBuilds, getBuild, cancelBuild, getCompat];
