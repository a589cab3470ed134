import { DomainError } from "@aitk/core/errors";
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

export const ZAuditFilter = z.object({
  action: z.string().max(100).optional(),
  targetType: z.string().max(100).optional(),
  actorUserId: z.string().max(64).optional(),
  actorApiKeyId: z.string().max(64).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
});
export type TAuditFilter = z.infer<typeof ZAuditFilter>;

export const ZAuditQuery = ZAuditFilter.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(64).optional(),
});
export type TAuditQuery = z.infer<typeof ZAuditQuery>;

/** The org's rows matching a filter; `until` is exclusive so consecutive ranges never overlap. */
function auditWhere(orgId: string, q: TAuditFilter) {
  if (q.since && q.until && q.since.getTime() > q.until.getTime()) {
    throw new DomainError("VALIDATION", "from: must not be after to", { field: "from" });
  }
  return {
    orgId,
    ...(q.action ? { action: { startsWith: q.action } } : {}),
    ...(q.targetType ? { targetType: q.targetType } : {}),
    ...(q.actorUserId ? { actorUserId: q.actorUserId } : {}),
    ...(q.actorApiKeyId ? { actorApiKeyId: q.actorApiKeyId } : {}),
    ...(q.since || q.until
      ? { createdAt: { ...(q.since ? { gte: q.since } : {}), ...(q.until ? { lt: q.until } : {}) } }
      : {}),
  };
}

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
    where: auditWhere(ctx.actor.orgId, q),
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, q.limit);
  return {
    items: await withEmails(ctx, page),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

type TAuditRow = {
  id: string;
  action: string;
  targetType: string;
  targetId: string | null;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  ip: string | null;
  before: unknown;
  after: unknown;
  createdAt: Date;
};

async function withEmails(ctx: TServiceCtx, page: TAuditRow[]): Promise<TAuditEntryOut[]> {
  const userIds = [...new Set(page.map((r) => r.actorUserId).filter((x): x is string => !!x))];
  const users = userIds.length
    ? await ctx.deps.prisma.user.findMany({
        where: { id: { in: userIds } },
        select: { id: true, email: true },
      })
    : [];
  const emails = new Map(users.map((u) => [u.id, u.email]));
  return page.map((r) => ({
    id: r.id,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    actorUserId: r.actorUserId,
    actorEmail: r.actorUserId ? (emails.get(r.actorUserId) ?? null) : null,
    actorApiKeyId: r.actorApiKeyId,
    ip: r.ip,
    before: r.before ?? null,
    after: r.after ?? null,
    createdAt: r.createdAt.toISOString(),
  }));
}

/** Query of the export: `from`/`to` (ISO 8601, `to` exclusive) plus the list filters. */
export const ZAuditExportQuery = z.object({
  from: z.coerce.date({ message: "must be an ISO 8601 date" }).optional(),
  to: z.coerce.date({ message: "must be an ISO 8601 date" }).optional(),
  action: z.string().max(100).optional(),
  targetType: z.string().max(100).optional(),
  actorUserId: z.string().max(64).optional(),
  actorApiKeyId: z.string().max(64).optional(),
});
export type TAuditExportQuery = z.infer<typeof ZAuditExportQuery>;

const EXPORT_BATCH = 500;

/**
 * Every matching row, oldest first, in batches by keyset (createdAt, id): constant memory however
 * long the log is. Checks the role before the first row, so callers can stream the result.
 */
export async function* exportAudit(
  ctx: TServiceCtx,
  q: TAuditExportQuery,
): AsyncGenerator<TAuditEntryOut, void, undefined> {
  requireRole(ctx.actor, "admin");
  const { from, to, ...rest } = q;
  const where = auditWhere(ctx.actor.orgId, { ...rest, since: from, until: to });
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const rows: TAuditRow[] = await ctx.deps.prisma.auditLog.findMany({
      where: after
        ? {
            AND: [
              where,
              {
                OR: [
                  { createdAt: { gt: after.createdAt } },
                  { createdAt: after.createdAt, id: { gt: after.id } },
                ],
              },
            ],
          }
        : where,
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: EXPORT_BATCH,
    });
    for (const r of await withEmails(ctx, rows)) yield r;
    const last = rows[rows.length - 1];
    if (!last || rows.length < EXPORT_BATCH) return;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/** Choices for the Audit page's filters: the actions, target types and actors seen in this org. */
export const ZAuditFacets = z.object({
  actions: z.array(z.string()),
  targetTypes: z.array(z.string()),
  actors: z.array(z.object({ kind: z.enum(["user", "apiKey"]), id: z.string(), label: z.string() })),
});

export async function auditFacets(ctx: TServiceCtx): Promise<z.infer<typeof ZAuditFacets>> {
  requireRole(ctx.actor, "admin");
  const orgId = ctx.actor.orgId;
  const db = ctx.deps.prisma;
  const [actions, types, users, keys] = await Promise.all([
    db.auditLog.findMany({ where: { orgId }, distinct: ["action"], select: { action: true }, take: 500 }),
    db.auditLog.findMany({
      where: { orgId },
      distinct: ["targetType"],
      select: { targetType: true },
      take: 200,
    }),
    db.auditLog.findMany({
      where: { orgId, actorUserId: { not: null } },
      distinct: ["actorUserId"],
      select: { actorUserId: true },
      take: 200,
    }),
    db.auditLog.findMany({
      where: { orgId, actorApiKeyId: { not: null } },
      distinct: ["actorApiKeyId"],
      select: { actorApiKeyId: true },
      take: 200,
    }),
  ]);
  const userIds = users.map((u) => u.actorUserId).filter((x): x is string => !!x);
  const keyIds = keys.map((k) => k.actorApiKeyId).filter((x): x is string => !!x);
  const [emails, keyRows] = await Promise.all([
    userIds.length
      ? db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } })
      : [],
    keyIds.length
      ? db.apiKey.findMany({
          where: { id: { in: keyIds }, orgId },
          select: { id: true, name: true, prefix: true },
        })
      : [],
  ]);
  const byKey = new Map(keyRows.map((k) => [k.id, `${k.name} (${k.prefix}…)`]));
  const byUser = new Map(emails.map((u) => [u.id, u.email]));
  return {
    actions: actions.map((a) => a.action).sort(),
    targetTypes: types.map((t) => t.targetType).sort(),
    actors: [
      ...userIds.map((id) => ({ kind: "user" as const, id, label: byUser.get(id) ?? id })),
      ...keyIds.map((id) => ({ kind: "apiKey" as const, id, label: `key ${byKey.get(id) ?? id}` })),
    ],
  };
}
