// The gateway side of a rollout: the ServedModel a deployment answers as, one Endpoint per healthy
// replica, and weight changes. Every change is followed by an `aitk:invalidate` {type:"models"} so each
// gateway replica reloads the org's routes within a second.
import { DomainError } from "@aitk/core/errors";
import type { TPrisma } from "@aitk/db";
import type { Redis } from "ioredis";

export interface TRoutingDeps {
  prisma: TPrisma;
  redis: Redis;
  /** Channel the gateways listen on: `<AITK_REDIS_PREFIX>aitk:invalidate` (no prefix in production). */
  invalidateChannel: string;
}

export async function publishModels(d: TRoutingDeps, orgId: string): Promise<void> {
  await d.redis.publish(d.invalidateChannel, JSON.stringify({ type: "models", orgId }));
}

/** The deployment's ServedModel; refuses a name another deployment or a registered upstream uses. */
export async function ensureServedModel(
  d: TRoutingDeps,
  orgId: string,
  deploymentId: string,
  name: string,
): Promise<string> {
  const existing = await d.prisma.servedModel.findUnique({ where: { orgId_name: { orgId, name } } });
  if (existing) {
    if (existing.deploymentId !== deploymentId && (existing.kind !== "deployment" || existing.deploymentId))
      throw new DomainError(
        "CONFLICT",
        `model name "${name}" is already served by ${existing.deploymentId ? "another deployment" : `a ${existing.kind} model`}: set spec.model.servedName to another name`,
        { field: "spec.model.servedName" },
      );
    if (existing.deploymentId !== deploymentId || !existing.enabled)
      await d.prisma.servedModel.update({
        where: { id: existing.id },
        data: { deploymentId, enabled: true, kind: "deployment" },
      });
    return existing.id;
  }
  const row = await d.prisma.servedModel.create({
    data: { orgId, name, kind: "deployment", deploymentId, description: "aitk deployment" },
  });
  return row.id;
}

export async function addEndpoint(
  d: TRoutingDeps,
  e: {
    orgId: string;
    servedModelId: string;
    url: string;
    revisionId: string;
    replicaId: string;
    weight: number;
    /** Encrypted key the gateway sends upstream (engines on remote hosts require one). */
    upstreamApiKeyEnc?: string;
  },
): Promise<string> {
  const row = await d.prisma.endpoint.create({
    data: { ...e, healthy: true, lastHealthAt: new Date() },
  });
  await publishModels(d, e.orgId);
  return row.id;
}

/** Sets several endpoints' weights at once (one transaction: the gateway never sees half a switch). */
export async function setWeights(
  d: TRoutingDeps,
  orgId: string,
  weights: { endpointId: string; weight: number }[],
): Promise<void> {
  if (!weights.length) return;
  await d.prisma.$transaction(
    weights.map((w) => d.prisma.endpoint.update({ where: { id: w.endpointId }, data: { weight: w.weight } })),
  );
  await publishModels(d, orgId);
}

export async function removeEndpoints(d: TRoutingDeps, orgId: string, replicaIds: string[]): Promise<void> {
  if (!replicaIds.length) return;
  await d.prisma.endpoint.deleteMany({ where: { orgId, replicaId: { in: replicaIds } } });
  await publishModels(d, orgId);
}
