import { encryptSecret } from "@aitk/core/crypto/secrets";
import { DomainError } from "@aitk/core/errors";
import { z } from "zod";
import { requireRole, type TServiceCtx } from "./actor";
import { audit } from "./audit";
import { enqueue } from "./jobs";

const ZHostName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(64)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, "may use letters, digits, '.', '_' and '-'");

const ZPem = z.string().trim().max(20_000);

/** How the control plane reaches a Docker engine. Secrets in here are encrypted before they are stored. */
export const ZDockerConnection = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("unix"),
    socketPath: z.string().trim().min(1).max(500).startsWith("/", "must be an absolute path"),
  }),
  z.object({
    type: z.literal("tcp"),
    host: z.string().trim().min(1, "is required").max(253),
    port: z.number().int().min(1).max(65535).default(2376),
    tls: z.object({ ca: ZPem.optional(), cert: ZPem.optional(), key: ZPem.optional() }).optional(),
  }),
  z.object({
    type: z.literal("ssh"),
    host: z.string().trim().min(1, "is required").max(253),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().trim().min(1, "is required").max(64),
    privateKey: ZPem.optional(),
    passphrase: z.string().max(500).optional(),
    password: z.string().max(500).optional(),
  }),
]);

export const ZRegisterHost = z.object({
  name: ZHostName,
  connection: ZDockerConnection,
});
export type TRegisterHost = z.input<typeof ZRegisterHost>;

export const ZHost = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  endpoint: z.string(),
  hasCredentials: z.boolean(),
  status: z.enum(["unknown", "healthy", "unhealthy"]),
  lastCheckedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  info: z.unknown(),
  createdAt: z.string(),
});
export type THostOut = z.infer<typeof ZHost>;

type THostRow = {
  id: string;
  name: string;
  kind: string;
  endpoint: string;
  credentialsEnc: string | null;
  status: "unknown" | "healthy" | "unhealthy";
  lastCheckedAt: Date | null;
  lastError: string | null;
  info: unknown;
  createdAt: Date;
};

export const toHostOut = (h: THostRow): THostOut => ({
  id: h.id,
  name: h.name,
  kind: h.kind,
  endpoint: h.endpoint,
  hasCredentials: Boolean(h.credentialsEnc),
  status: h.status,
  lastCheckedAt: h.lastCheckedAt ? h.lastCheckedAt.toISOString() : null,
  lastError: h.lastError,
  info: h.info ?? null,
  createdAt: h.createdAt.toISOString(),
});

function endpointOf(c: z.infer<typeof ZDockerConnection>): { endpoint: string; secret: object | null } {
  switch (c.type) {
    case "unix":
      return { endpoint: `unix://${c.socketPath}`, secret: null };
    case "tcp": {
      const tls = c.tls && (c.tls.ca || c.tls.cert || c.tls.key) ? c.tls : null;
      if (tls && !tls.cert !== !tls.key) {
        throw new DomainError("VALIDATION", "connection.tls: cert and key must be given together", {
          field: tls.cert ? "connection.tls.key" : "connection.tls.cert",
        });
      }
      // Stored flat, as @aitk/db/docker's ZHostCredentials reads them; TLS is implied by their presence.
      return { endpoint: `tcp://${c.host}:${c.port}`, secret: tls ? { ...tls } : null };
    }
    case "ssh": {
      if (!c.privateKey && !c.password) {
        throw new DomainError("VALIDATION", "connection.privateKey: give a private key or a password", {
          field: "connection.privateKey",
        });
      }
      return {
        endpoint: `ssh://${c.username}@${c.host}:${c.port}`,
        secret: {
          username: c.username,
          ...(c.privateKey ? { privateKey: c.privateKey } : {}),
          ...(c.passphrase ? { passphrase: c.passphrase } : {}),
          ...(c.password ? { password: c.password } : {}),
        },
      };
    }
  }
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\]|0\.0\.0\.0)$/i;

function isLocalConnection(c: z.infer<typeof ZDockerConnection>): boolean {
  return c.type === "unix" || LOOPBACK.test(c.host.trim());
}

export async function listHosts(ctx: TServiceCtx): Promise<THostOut[]> {
  const rows = await ctx.deps.prisma.host.findMany({
    where: { orgId: ctx.actor.orgId },
    orderBy: { createdAt: "asc" },
  });
  return rows.map(toHostOut);
}

export async function findHost(ctx: TServiceCtx, id: string) {
  const h = await ctx.deps.prisma.host.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!h) throw new DomainError("NOT_FOUND", `host ${id} not found`, { field: "id" });
  return h;
}

export async function getHost(ctx: TServiceCtx, id: string): Promise<THostOut> {
  return toHostOut(await findHost(ctx, id));
}

export async function registerHost(ctx: TServiceCtx, input: TRegisterHost): Promise<THostOut> {
  requireRole(ctx.actor, "admin");
  const data = ZRegisterHost.parse(input);
  const { endpoint, secret } = endpointOf(data.connection);
  if (!ctx.deps.allowLocalHosts && isLocalConnection(data.connection)) {
    throw new DomainError(
      "FORBIDDEN",
      "connection: this installation does not let organizations use the control plane's own Docker engine (AITK_ALLOW_LOCAL_HOSTS=false)",
      { field: "connection" },
    );
  }
  const dup = await ctx.deps.prisma.host.findFirst({ where: { orgId: ctx.actor.orgId, name: data.name } });
  if (dup) throw new DomainError("CONFLICT", `a host named ${data.name} already exists`, { field: "name" });
  const row = await ctx.deps.prisma.host.create({
    data: {
      orgId: ctx.actor.orgId,
      name: data.name,
      kind: "docker",
      endpoint,
      credentialsEnc: secret ? encryptSecret(JSON.stringify(secret), ctx.deps.secretKeyHex) : null,
    },
  });
  const out = toHostOut(row);
  await audit(ctx, {
    action: "host.register",
    targetType: "Host",
    targetId: row.id,
    after: { name: out.name, endpoint },
  });
  // First health check right away, so the list shows a real status within seconds.
  await enqueue(ctx, "host.health", { orgId: ctx.actor.orgId, hostId: row.id }).catch((err) =>
    ctx.deps.logger.warn(
      { err: (err as Error).message, hostId: row.id },
      "could not enqueue first health check",
    ),
  );
  return out;
}

export async function removeHost(ctx: TServiceCtx, id: string) {
  requireRole(ctx.actor, "admin");
  const h = await findHost(ctx, id);
  await ctx.deps.prisma.host.delete({ where: { id: h.id } });
  await audit(ctx, {
    action: "host.remove",
    targetType: "Host",
    targetId: h.id,
    before: { name: h.name, endpoint: h.endpoint },
  });
  return { id: h.id };
}

export async function checkHostNow(ctx: TServiceCtx, id: string) {
  requireRole(ctx.actor, "member");
  const h = await findHost(ctx, id);
  const job = await enqueue(ctx, "host.health", { orgId: ctx.actor.orgId, hostId: h.id });
  await audit(ctx, { action: "host.check", targetType: "Host", targetId: h.id, after: { jobId: job.id } });
  return { jobId: job.id };
}
