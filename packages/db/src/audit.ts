import type { TPrisma } from "./client";
import type { Prisma } from "./generated/prisma/client";

export type TDbClient = TPrisma | Prisma.TransactionClient;

export type TAuditInput = {
  orgId: string;
  actorUserId?: string | null;
  actorApiKeyId?: string | null;
  /** Dotted verb, e.g. "apiKey.revoke", "host.create", "org.update". */
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
};

// Field names whose values never belong in an audit trail, however a caller builds before/after.
const SECRET_FIELDS = new Set([
  "passwordHash",
  "password",
  "hash",
  "key",
  "token",
  "tokenHash",
  "credentials",
  "credentialsEnc",
  "upstreamApiKey",
  "upstreamApiKeyEnc",
  "secret",
]);

/** JSON-safe copy: secrets redacted, BigInt as string, Date as ISO text, undefined dropped. */
export function toAuditJson(value: unknown, depth = 0): Prisma.InputJsonValue | null {
  if (value === null || value === undefined) return null;
  if (depth > 8) return "[too deep]";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map((v) => toAuditJson(v, depth + 1));
  if (typeof value === "object") {
    const out: Record<string, Prisma.InputJsonValue | null> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === "function") continue;
      out[k] = SECRET_FIELDS.has(k) && v !== null ? "[redacted]" : toAuditJson(v, depth + 1);
    }
    return out as Prisma.InputJsonObject;
  }
  return String(value);
}

function jsonOrOmit(value: unknown): Prisma.InputJsonValue | undefined {
  const json = toAuditJson(value);
  return json === null ? undefined : json;
}

/** Appends one AuditLog row. Pass a transaction client to make the entry commit with the change. */
export async function recordAudit(db: TDbClient, input: TAuditInput): Promise<{ id: string }> {
  return db.auditLog.create({
    data: {
      orgId: input.orgId,
      actorUserId: input.actorUserId ?? null,
      actorApiKeyId: input.actorApiKeyId ?? null,
      action: input.action,
      targetType: input.targetType,
      targetId: input.targetId ?? null,
      before: jsonOrOmit(input.before),
      after: jsonOrOmit(input.after),
      ip: input.ip ?? null,
    },
    select: { id: true },
  });
}
