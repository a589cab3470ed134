import { recordAudit } from "@aitk/db/audit";
import { z } from "zod";
import type { TServiceCtx } from "./actor";
import { requireRole } from "./actor";

type TAuditEntry = {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
};

/** Every mutation calls this once, after it succeeded, with the acting member or key. */
export async function audit(ctx: TServiceCtx, entry: TAuditEntry): Promise<void> {
  const { actor } = ctx;
  await recordAudit(ctx.deps.prisma, {
    orgId: actor.orgId,
    actorUserId: actor.userId ?? undefined,
    actorApiKeyId: actor.apiKeyId ?? undefined,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? undefined,
    before: entry.before ?? undefined,
    after: entry.after ?? undefined,
    ip: actor.ip ?? undefined,
  } as Parameters<typeof recordAudit>[1]);
}

export const ZAuditQuery = z.object({
  action: z.string().max(100).optional(),
  targetType: z.string().max(100).optional(),
  actorUserId: z.string().max(64).optional(),
  since: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(64).optional(),
});
export type TAuditQuery = z.infer<typeof ZAuditQuery>;

export const ZAuditEntry = z.object({
  id: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  actorUserId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  actorApiKeyId: z.string().nullable(),
  ip: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  createdAt: z.string(),
});
export type TAuditEntryOut = z.infer<typeof ZAuditEntry>;

export async function listAudit(
  ctx: TServiceCtx,
  q: TAuditQuery,
): Promise<{ items: TAuditEntryOut[]; nextCursor: string | null }> {
  requireRole(ctx.actor, "admin");
  const rows = await ctx.deps.prisma.auditLog.findMany({
    where: {
      orgId: ctx.actor.orgId,
      ...(q.action ? { action: { startsWith: q.action } } : {}),
      ...(q.targetType ? { targetType: q.targetType } : {}),
      ...(q.actorUserId ? { actorUserId: q.actorUserId } : {}),
      ...(q.since ? { createdAt: { gte: q.since } } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, q.limit);
  const userIds = [...new Set(page.map((r) => r.actorUserId).filter((x): x is string => !!x))];
  const users = userIds.length
    ? await ctx.deps.prisma.user.findMany({
        where: { id: { in: userIds } },
        select: { id: true, email: true },
      })
    : [];
  const emails = new Map(users.map((u) => [u.id, u.email]));
  return {
    items: page.map((r) => ({
      id: r.id,
      action: r.action,
      targetType: r.targetType,
      targetId: r.targetId,
      actorUserId: r.actorUserId,
      actorEmail: r.actorUserId ? (emails.get(r.actorUserId) ?? null) : null,
      actorApiKeyId: r.actorApiKeyId,
      ip: r.ip,
      before: r.before,
      after: r.after,
      createdAt: r.createdAt.toISOString(),
    })),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
