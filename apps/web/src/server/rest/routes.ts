// Every /api/v1 operation. Route files under src/app/api/v1 export `toHandler(routes.x)`; the OpenAPI
// document is generated from this same list, so docs and behaviour cannot drift apart.
import { z } from "zod";
import * as apiKeys from "../services/apiKeys";
import * as audit from "../services/audit";
import * as docker from "../services/docker";
import * as hosts from "../services/hosts";
import * as jobs from "../services/jobs";
import * as models from "../services/models";
import * as org from "../services/org";
import { deploymentsRoutes } from "../../app/api/v1/deployments/_routes";
import { auditRoutes } from "./auditRoutes";
import { buildsRoutes } from "./buildsRoutes";
import { defineRoute, type TAnyRouteDef } from "./handler";
import { ZIdParams, ZPage } from "./schemas";
import { simulateRoutes } from "./simulateRoutes";
import { usageRoutes } from "./usageRoutes";

export const me = defineRoute({
  method: "GET",
  path: "/me",
  operationId: "getMe",
  summary: "The organization and API key this request acts as",
  tag: "account",
  minRole: "viewer",
  response: z.object({
    org: org.ZOrg,
    apiKey: z.object({ id: z.string(), prefix: z.string(), scopes: z.array(z.string()) }),
    role: org.ZRole,
  }),
  handler: async (ctx) => {
    const o = await org.getOrg(ctx);
    const { role: _role, ...orgOut } = o;
    return {
      org: orgOut,
      apiKey: { id: ctx.key.apiKeyId, prefix: ctx.key.keyPrefix, scopes: ctx.key.scopes },
      role: ctx.key.role,
    };
  },
});

// ------------------------------------------------------------------------------------------------ hosts

export const listHosts = defineRoute({
  method: "GET",
  path: "/hosts",
  operationId: "listHosts",
  summary: "Docker hosts of the organization with their last health report",
  tag: "hosts",
  minRole: "viewer",
  response: z.object({ items: z.array(hosts.ZHost) }),
  handler: async (ctx) => ({ items: await hosts.listHosts(ctx) }),
});

export const registerHost = defineRoute({
  method: "POST",
  path: "/hosts",
  operationId: "registerHost",
  summary: "Register a Docker host (unix socket, tcp+TLS or ssh); credentials are encrypted at rest",
  tag: "hosts",
  minRole: "admin",
  body: hosts.ZRegisterHost,
  response: hosts.ZHost,
  status: 201,
  handler: (ctx, { body }) => hosts.registerHost(ctx, body),
});

export const getHost = defineRoute({
  method: "GET",
  path: "/hosts/{id}",
  operationId: "getHost",
  summary: "One host",
  tag: "hosts",
  minRole: "viewer",
  params: ZIdParams,
  response: hosts.ZHost,
  handler: (ctx, { params }) => hosts.getHost(ctx, params.id),
});

export const removeHost = defineRoute({
  method: "DELETE",
  path: "/hosts/{id}",
  operationId: "removeHost",
  summary: "Remove a host",
  tag: "hosts",
  minRole: "admin",
  params: ZIdParams,
  response: z.object({ id: z.string() }),
  handler: (ctx, { params }) => hosts.removeHost(ctx, params.id),
});

export const checkHost = defineRoute({
  method: "POST",
  path: "/hosts/{id}/check",
  operationId: "checkHost",
  summary: "Run a health check now (enqueues a host.health job)",
  tag: "hosts",
  minRole: "member",
  params: ZIdParams,
  response: z.object({ jobId: z.string() }),
  status: 202,
  handler: (ctx, { params }) => hosts.checkHostNow(ctx, params.id),
});

export const listHostContainers = defineRoute({
  method: "GET",
  path: "/hosts/{id}/containers",
  operationId: "listHostContainers",
  summary: "Containers on a host (live)",
  tag: "hosts",
  minRole: "viewer",
  params: ZIdParams,
  query: z.object({ all: z.enum(["true", "false"]).default("true") }),
  response: z.object({ items: z.array(z.record(z.string(), z.unknown())) }),
  handler: async (ctx, { params, query }) => ({
    items: await docker.listContainers(ctx, params.id, { all: query.all === "true" }),
  }),
});

export const hostContainerLogs = defineRoute({
  method: "GET",
  path: "/hosts/{id}/containers/{containerId}/logs",
  operationId: "getContainerLogs",
  summary: "Last lines of a container's log",
  tag: "hosts",
  minRole: "viewer",
  params: z.object({ id: z.string().min(1).max(64), containerId: z.string().min(1).max(128) }),
  query: z.object({ tail: z.coerce.number().int().min(1).max(5000).default(200) }),
  response: z.object({
    lines: z.array(z.object({ stream: z.enum(["stdout", "stderr"]), text: z.string() })),
  }),
  handler: (ctx, { params, query }) =>
    docker.containerLogs(ctx, params.id, { containerId: params.containerId, tail: query.tail }),
});

// ------------------------------------------------------------------------------------------------- jobs

export const listJobs = defineRoute({
  method: "GET",
  path: "/jobs",
  operationId: "listJobs",
  summary: "Jobs of the organization, newest first",
  tag: "jobs",
  minRole: "viewer",
  query: jobs.ZListJobs,
  response: ZPage(jobs.ZJob),
  handler: (ctx, { query }) => jobs.listJobs(ctx, query),
});

export const createJob = defineRoute({
  method: "POST",
  path: "/jobs",
  operationId: "createJob",
  summary: "Run a demo job (steps × stepMs, optional failure to exercise retries)",
  tag: "jobs",
  minRole: "member",
  body: jobs.ZRunDemoJob.extend({ kind: z.literal("demo.run").default("demo.run") }),
  response: jobs.ZJob,
  status: 201,
  handler: (ctx, { body }) => {
    const { kind: _kind, ...rest } = body;
    return jobs.runDemoJob(ctx, rest);
  },
});

export const getJob = defineRoute({
  method: "GET",
  path: "/jobs/{id}",
  operationId: "getJob",
  summary: "One job: state, progress, error",
  tag: "jobs",
  minRole: "viewer",
  params: ZIdParams,
  response: jobs.ZJob,
  handler: (ctx, { params }) => jobs.getJob(ctx, params.id),
});

export const getJobLogs = defineRoute({
  method: "GET",
  path: "/jobs/{id}/logs",
  operationId: "getJobLogs",
  summary: "Log lines of a job (live while it runs, stored once it ended)",
  tag: "jobs",
  minRole: "viewer",
  params: ZIdParams,
  response: z.object({ lines: z.array(jobs.ZJobLogLine) }),
  handler: (ctx, { params }) => jobs.getJobLogs(ctx, params.id),
});

export const cancelJob = defineRoute({
  method: "POST",
  path: "/jobs/{id}/cancel",
  operationId: "cancelJob",
  summary: "Cancel a job (queued: removed; running: its handler is aborted)",
  tag: "jobs",
  minRole: "member",
  params: ZIdParams,
  response: z.object({ outcome: z.enum(["cancelled", "cancelling", "finished"]), state: z.string() }),
  status: 202,
  handler: (ctx, { params }) => jobs.cancelJob(ctx, params.id),
});

// ------------------------------------------------------------------------------------------------- keys

export const listKeys = defineRoute({
  method: "GET",
  path: "/keys",
  operationId: "listApiKeys",
  summary: "API keys (prefix only; the key itself is never shown again)",
  tag: "keys",
  minRole: "viewer",
  response: z.object({ items: z.array(apiKeys.ZApiKey) }),
  handler: async (ctx) => ({ items: await apiKeys.listApiKeys(ctx) }),
});

export const createKey = defineRoute({
  method: "POST",
  path: "/keys",
  operationId: "createApiKey",
  summary: "Create an API key; the response holds the key, shown this once",
  tag: "keys",
  minRole: "member",
  body: apiKeys.ZCreateApiKey,
  response: z.object({ key: z.string(), apiKey: apiKeys.ZApiKey }),
  status: 201,
  handler: (ctx, { body }) => apiKeys.createApiKey(ctx, body),
});

export const revokeKey = defineRoute({
  method: "DELETE",
  path: "/keys/{id}",
  operationId: "revokeApiKey",
  summary: "Revoke an API key (gateways drop it within a second)",
  tag: "keys",
  minRole: "member",
  params: ZIdParams,
  response: apiKeys.ZApiKey,
  handler: (ctx, { params }) => apiKeys.revokeApiKey(ctx, params.id),
});

// ----------------------------------------------------------------------------------------------- models

export const listModels = defineRoute({
  method: "GET",
  path: "/models",
  operationId: "listModels",
  summary: "Served models and their endpoints",
  tag: "models",
  minRole: "viewer",
  response: z.object({ items: z.array(models.ZServedModel) }),
  handler: async (ctx) => ({ items: await models.listModels(ctx) }),
});

export const registerModel = defineRoute({
  method: "POST",
  path: "/models",
  operationId: "registerModel",
  summary: "Register an external OpenAI-compatible upstream (SSRF-checked against the org policy)",
  tag: "models",
  minRole: "admin",
  body: models.ZRegisterModel,
  response: models.ZServedModel,
  status: 201,
  handler: (ctx, { body }) => models.registerModel(ctx, body),
});

export const removeModel = defineRoute({
  method: "DELETE",
  path: "/models/{id}",
  operationId: "removeModel",
  summary: "Remove a served model",
  tag: "models",
  minRole: "admin",
  params: ZIdParams,
  response: z.object({ id: z.string() }),
  handler: (ctx, { params }) => models.removeModel(ctx, params.id),
});

// ------------------------------------------------------------------------------------------------ audit

export const listAuditLog = defineRoute({
  method: "GET",
  path: "/audit",
  operationId: "listAudit",
  summary: "Audit log of the organization, newest first",
  tag: "audit",
  minRole: "admin",
  query: audit.ZAuditQuery,
  response: ZPage(audit.ZAuditEntry),
  handler: (ctx, { query }) => audit.listAudit(ctx, query),
});

/** Every operation, for the OpenAPI document and for tests that must cover each one. */
export const allRoutes: TAnyRouteDef[] = [
  me,
  listHosts,
  registerHost,
  getHost,
  removeHost,
  checkHost,
  listHostContainers,
  hostContainerLogs,
  listJobs,
  createJob,
  getJob,
  getJobLogs,
  cancelJob,
  listKeys,
  createKey,
  revokeKey,
  listModels,
  registerModel,
  removeModel,
  listAuditLog,
  ...auditRoutes,
  ...simulateRoutes,
  ...buildsRoutes,
  ...usageRoutes,
  ...deploymentsRoutes,
];
