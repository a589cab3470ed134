// /api/v1 operations of Deployments (registered in server/rest/routes.ts' allRoutes, so the OpenAPI
// document lists them). Route files in this folder export `toHandler(<one of these>)`.
import { z } from "zod";
import { defineRoute } from "../../../../server/rest/handler";
import * as deployments from "../../../../server/services/deployments";
import { ZIdParams } from "../../../../server/rest/schemas";

const ZTargetsQuery = z.object({
  target: z.string().max(63).optional().describe("Only this target's files"),
});

export const createDeployment = defineRoute({
  method: "POST",
  path: "/deployments",
  operationId: "createDeployment",
  summary:
    "Create or update a deployment from an aitk-deploy.yaml (errors are 400 with line:column) and, unless apply is false, roll it out as a new revision (deploy.apply job)",
  tag: "deployments",
  minRole: "member",
  body: deployments.ZCreateDeployment,
  response: deployments.ZApplyOut,
  status: 201,
  handler: (ctx, { body }) => deployments.createDeployment(ctx, body),
});

export const listDeployments = defineRoute({
  method: "GET",
  path: "/deployments",
  operationId: "listDeployments",
  summary: "Deployments of the organization with status, current revision and replica counts",
  tag: "deployments",
  minRole: "viewer",
  response: z.object({ items: z.array(deployments.ZDeploymentSummary) }),
  handler: (ctx) => deployments.listDeployments(ctx),
});

export const getDeploymentSchema = defineRoute({
  method: "GET",
  path: "/deployments/schema",
  operationId: "getDeploymentSchema",
  summary:
    "JSON Schema (draft 2020-12) of aitk/v1 AIDeployment, for editors (yaml-language-server) and tools",
  tag: "deployments",
  minRole: "viewer",
  response: z.record(z.string(), z.unknown()),
  handler: async () => deployments.deploymentSchema(),
});

export const renderDeployment = defineRoute({
  method: "POST",
  path: "/deployments/render",
  operationId: "renderDeployment",
  summary:
    "Render every target's files (Kubernetes YAML, docker-compose.yml, Nomad job.json, ECS, Cloud Run, ACI) from an aitk-deploy.yaml; stores and applies nothing",
  tag: "deployments",
  minRole: "member",
  body: deployments.ZRenderInput,
  response: deployments.ZRendered,
  handler: async (_ctx, { body }) => deployments.renderYaml(body),
});

export const getDeployment = defineRoute({
  method: "GET",
  path: "/deployments/{id}",
  operationId: "getDeployment",
  summary: "One deployment: spec, per-target rollout state, replicas (status, host, weight), revisions",
  tag: "deployments",
  minRole: "viewer",
  params: ZIdParams,
  response: deployments.ZDeployment,
  handler: (ctx, { params }) => deployments.getDeployment(ctx, params.id),
});

export const applyDeployment = defineRoute({
  method: "POST",
  path: "/deployments/{id}/apply",
  operationId: "applyDeployment",
  summary: "Roll the stored spec out again as a new revision (optionally some targets, another strategy)",
  tag: "deployments",
  minRole: "member",
  params: ZIdParams,
  body: deployments.ZApplyDeployment,
  response: deployments.ZApplyOut,
  status: 202,
  handler: (ctx, { params, body }) => deployments.applyDeployment(ctx, params.id, body),
});

export const listRevisions = defineRoute({
  method: "GET",
  path: "/deployments/{id}/revisions",
  operationId: "listDeploymentRevisions",
  summary: "Revision history, newest first, with each target's rollout outcome",
  tag: "deployments",
  minRole: "viewer",
  params: ZIdParams,
  response: z.object({ items: z.array(deployments.ZRevision) }),
  handler: (ctx, { params }) => deployments.listRevisions(ctx, params.id),
});

export const rollbackDeployment = defineRoute({
  method: "POST",
  path: "/deployments/{id}/rollback",
  operationId: "rollbackDeployment",
  summary: "Re-apply an older revision's spec as a new revision",
  tag: "deployments",
  minRole: "member",
  params: ZIdParams,
  body: deployments.ZRollback,
  response: deployments.ZApplyOut,
  status: 202,
  handler: (ctx, { params, body }) => deployments.rollbackDeployment(ctx, params.id, body),
});

export const renderStoredDeployment = defineRoute({
  method: "GET",
  path: "/deployments/{id}/render",
  operationId: "renderStoredDeployment",
  summary: "The stored spec's rendered files per target (JSON map of path → content)",
  tag: "deployments",
  minRole: "viewer",
  params: ZIdParams,
  query: ZTargetsQuery,
  response: deployments.ZRendered,
  handler: (ctx, { params, query }) =>
    deployments.renderStored(ctx, params.id, query.target ? [query.target] : undefined),
});

export const deploymentCost = defineRoute({
  method: "GET",
  path: "/deployments/{id}/cost",
  operationId: "getDeploymentCost",
  summary: "Monthly cost estimate per target from the GPU price table (on-demand + spot)",
  tag: "deployments",
  minRole: "viewer",
  params: ZIdParams,
  response: z.record(z.string(), z.unknown()),
  handler: (ctx, { params }) => deployments.deploymentCost(ctx, params.id),
});

export const replicaLogs = defineRoute({
  method: "GET",
  path: "/deployments/{id}/replicas/{replicaId}/logs",
  operationId: "getReplicaLogs",
  summary: "The last lines of a replica's container log (from its Docker host)",
  tag: "deployments",
  minRole: "viewer",
  params: ZIdParams.extend({ replicaId: z.string().min(1).max(64) }),
  query: z.object({ tail: z.coerce.number().int().min(1).max(5000).default(200) }),
  response: deployments.ZLogLines,
  handler: (ctx, { params, query }) => deployments.replicaLogs(ctx, params.id, params.replicaId, query.tail),
});

export const deploymentsRoutes = [
  createDeployment,
  listDeployments,
  getDeploymentSchema,
  renderDeployment,
  getDeployment,
  applyDeployment,
  listRevisions,
  rollbackDeployment,
  renderStoredDeployment,
  deploymentCost,
  replicaLogs,
];
