import { lookup } from "node:dns/promises";
import { encryptSecret } from "@aitk/core/crypto/secrets";
import { DomainError } from "@aitk/core/errors";
import { assertUpstreamAllowed } from "@aitk/core/gateway/ssrf";
import { z } from "zod";
import { requireRole, type TServiceCtx } from "./actor";
import { audit } from "./audit";
import { publishInvalidate } from "./invalidate";

export const ZRegisterModel = z.object({
  name: z
    .string()
    .trim()
    .min(1, "is required")
    .max(128)
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9._:/-]*$/, "may use letters, digits and . _ : / -"),
  upstreamUrl: z.string().trim().min(1, "is required").max(2000),
  upstreamApiKey: z.string().min(1).max(1000).optional(),
  upstreamModel: z.string().trim().min(1).max(200).optional(),
  description: z.string().trim().max(500).optional(),
  tier: z.number().int().min(1).max(10).default(1),
});
export type TRegisterModel = z.input<typeof ZRegisterModel>;

export const ZEndpoint = z.object({
  id: z.string(),
  url: z.string(),
  upstreamModel: z.string().nullable(),
  hasApiKey: z.boolean(),
  weight: z.number(),
  healthy: z.boolean(),
  lastHealthAt: z.string().nullable(),
});

export const ZServedModel = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(["deployment", "external", "embedded"]),
  description: z.string().nullable(),
  tier: z.number(),
  enabled: z.boolean(),
  deploymentId: z.string().nullable(),
  createdAt: z.string(),
  endpoints: z.array(ZEndpoint),
});
export type TServedModelOut = z.infer<typeof ZServedModel>;

type TModelRow = {
  id: string;
  name: string;
  kind: TServedModelOut["kind"];
  description: string | null;
  tier: number;
  enabled: boolean;
  deploymentId: string | null;
  createdAt: Date;
  endpoints: {
    id: string;
    url: string;
    upstreamModel: string | null;
    upstreamApiKeyEnc: string | null;
    weight: number;
    healthy: boolean;
    lastHealthAt: Date | null;
  }[];
};

const toModelOut = (m: TModelRow): TServedModelOut => ({
  id: m.id,
  name: m.name,
  kind: m.kind,
  description: m.description,
  tier: m.tier,
  enabled: m.enabled,
  deploymentId: m.deploymentId,
  createdAt: m.createdAt.toISOString(),
  endpoints: m.endpoints.map((e) => ({
    id: e.id,
    url: e.url,
    upstreamModel: e.upstreamModel,
    hasApiKey: Boolean(e.upstreamApiKeyEnc),
    weight: e.weight,
    healthy: e.healthy,
    lastHealthAt: e.lastHealthAt ? e.lastHealthAt.toISOString() : null,
  })),
});

export async function listModels(ctx: TServiceCtx): Promise<TServedModelOut[]> {
  const rows = await ctx.deps.prisma.servedModel.findMany({
    where: { orgId: ctx.actor.orgId },
    include: { endpoints: { where: { orgId: ctx.actor.orgId }, orderBy: { createdAt: "asc" } } },
    orderBy: { name: "asc" },
  });
  return rows.map(toModelOut);
}

const resolveAll = async (host: string) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Registers an external OpenAI-compatible upstream under a model name, after the org's SSRF policy allows it. */
export async function registerModel(ctx: TServiceCtx, input: TRegisterModel): Promise<TServedModelOut> {
  requireRole(ctx.actor, "admin");
  const data = ZRegisterModel.parse(input);
  const org = await ctx.deps.prisma.organization.findUnique({
    where: { id: ctx.actor.orgId },
    select: { allowPrivateUpstreams: true, allowLoopbackUpstreams: true },
  });
  if (!org) throw new DomainError("NOT_FOUND", "organization not found");
  await assertUpstreamAllowed(data.upstreamUrl, org, resolveAll);
  const dup = await ctx.deps.prisma.servedModel.findFirst({
    where: { orgId: ctx.actor.orgId, name: data.name },
  });
  if (dup) throw new DomainError("CONFLICT", `a model named ${data.name} already exists`, { field: "name" });
  const row = await ctx.deps.prisma.servedModel.create({
    data: {
      orgId: ctx.actor.orgId,
      name: data.name,
      kind: "external",
      description: data.description ?? null,
      tier: data.tier,
      endpoints: {
        create: {
          orgId: ctx.actor.orgId,
          url: data.upstreamUrl.replace(/\/+$/, ""),
          upstreamModel: data.upstreamModel ?? null,
          upstreamApiKeyEnc: data.upstreamApiKey
            ? encryptSecret(data.upstreamApiKey, ctx.deps.secretKeyHex)
            : null,
        },
      },
    },
    include: { endpoints: true },
  });
  const out = toModelOut(row);
  await publishInvalidate(ctx.deps, { type: "models", orgId: ctx.actor.orgId, id: row.id });
  await audit(ctx, {
    action: "model.register",
    targetType: "ServedModel",
    targetId: row.id,
    after: { name: out.name, upstreamUrl: out.endpoints[0]?.url, hasApiKey: Boolean(data.upstreamApiKey) },
  });
  return out;
}

export async function removeModel(ctx: TServiceCtx, id: string) {
  requireRole(ctx.actor, "admin");
  const m = await ctx.deps.prisma.servedModel.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!m) throw new DomainError("NOT_FOUND", `model ${id} not found`, { field: "id" });
  await ctx.deps.prisma.servedModel.delete({ where: { id: m.id } });
  await publishInvalidate(ctx.deps, { type: "models", orgId: ctx.actor.orgId, id: m.id });
  await audit(ctx, {
    action: "model.remove",
    targetType: "ServedModel",
    targetId: m.id,
    before: { name: m.name, kind: m.kind },
  });
  return { id: m.id };
}

export async function setModelEnabled(ctx: TServiceCtx, id: string, enabled: boolean) {
  requireRole(ctx.actor, "admin");
  const m = await ctx.deps.prisma.servedModel.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!m) throw new DomainError("NOT_FOUND", `model ${id} not found`, { field: "id" });
  await ctx.deps.prisma.servedModel.update({ where: { id: m.id }, data: { enabled } });
  await publishInvalidate(ctx.deps, { type: "models", orgId: ctx.actor.orgId, id: m.id });
  await audit(ctx, {
    action: "model.update",
    targetType: "ServedModel",
    targetId: m.id,
    before: { enabled: m.enabled },
    after: { enabled },
  });
  return { id: m.id, enabled };
}
