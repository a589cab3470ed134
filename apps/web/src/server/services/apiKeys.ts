import { generateApiKey } from "@aitk/core/crypto/apiKeys";
import { DomainError } from "@aitk/core/errors";
import { z } from "zod";
import { API_KEY_SCOPES, requireRole, type TServiceCtx } from "./actor";
import { audit } from "./audit";
import { publishInvalidate } from "./invalidate";

export const ZCreateApiKey = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).default(["inference", "read", "write"]),
  allowedModels: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
  expiresAt: z.coerce.date().nullable().optional(),
  rpmLimit: z.number().int().min(1).max(1_000_000).nullable().optional(),
  tpmLimit: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
});
export type TCreateApiKey = z.input<typeof ZCreateApiKey>;

export const ZApiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  allowedModels: z.array(z.string()),
  rpmLimit: z.number().nullable(),
  tpmLimit: z.number().nullable(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type TApiKeyOut = z.infer<typeof ZApiKey>;

type TApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  allowedModels: string[];
  rpmLimit: number | null;
  tpmLimit: number | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toApiKeyOut = (k: TApiKeyRow): TApiKeyOut => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  allowedModels: k.allowedModels,
  rpmLimit: k.rpmLimit,
  tpmLimit: k.tpmLimit,
  expiresAt: iso(k.expiresAt),
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
  createdAt: k.createdAt.toISOString(),
});

export async function listApiKeys(ctx: TServiceCtx): Promise<TApiKeyOut[]> {
  const rows = await ctx.deps.prisma.apiKey.findMany({
    where: { orgId: ctx.actor.orgId },
    orderBy: { createdAt: "desc" },
  });
  return rows.map(toApiKeyOut);
}

/** The plaintext key is returned here and only here; the database keeps its SHA-256. */
export async function createApiKey(
  ctx: TServiceCtx,
  input: TCreateApiKey,
): Promise<{ key: string; apiKey: TApiKeyOut }> {
  requireRole(ctx.actor, "member");
  const data = ZCreateApiKey.parse(input);
  if (data.scopes.includes("admin") || data.scopes.includes("api")) requireRole(ctx.actor, "admin");
  if (data.expiresAt && data.expiresAt.getTime() <= Date.now()) {
    throw new DomainError("VALIDATION", "expiresAt: must be in the future", { field: "expiresAt" });
  }
  const { key, prefix, hash } = generateApiKey();
  const row = await ctx.deps.prisma.apiKey.create({
    data: {
      orgId: ctx.actor.orgId,
      name: data.name,
      prefix,
      hash,
      scopes: data.scopes,
      allowedModels: data.allowedModels,
      expiresAt: data.expiresAt ?? null,
      rpmLimit: data.rpmLimit ?? null,
      tpmLimit: data.tpmLimit ?? null,
      createdById: ctx.actor.userId,
    },
  });
  const apiKey = toApiKeyOut(row);
  await audit(ctx, { action: "apiKey.create", targetType: "ApiKey", targetId: row.id, after: apiKey });
  return { key, apiKey };
}

export async function revokeApiKey(ctx: TServiceCtx, id: string): Promise<TApiKeyOut> {
  requireRole(ctx.actor, "member");
  const existing = await ctx.deps.prisma.apiKey.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!existing) throw new DomainError("NOT_FOUND", `API key ${id} not found`, { field: "id" });
  if (existing.revokedAt) return toApiKeyOut(existing);
  const row = await ctx.deps.prisma.apiKey.update({
    where: { id: existing.id },
    data: { revokedAt: new Date() },
  });
  await publishInvalidate(ctx.deps, { type: "apiKey", orgId: ctx.actor.orgId, id: row.id });
  await audit(ctx, {
    action: "apiKey.revoke",
    targetType: "ApiKey",
    targetId: row.id,
    before: { revokedAt: null },
    after: { revokedAt: iso(row.revokedAt) },
  });
  return toApiKeyOut(row);
}
