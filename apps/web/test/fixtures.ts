// Shared set-up for the web integration tests: a fresh database, real Redis under a private queue
// prefix, and two tenants (A and B) whose members, keys, hosts, jobs, models and invites exist.
import { randomBytes } from "node:crypto";
import { generateApiKey } from "@aitk/core/crypto/apiKeys";
import { hashPassword } from "@aitk/core/crypto/password";
import { createRedis, type TPrisma, type TRedis } from "@aitk/db";
import { enqueueJob } from "@aitk/db/jobs/enqueue";
import { createQueues } from "@aitk/db/jobs/queues";
import { createTestDatabase } from "@aitk/db/testing";
import { TRPCError } from "@trpc/server";
import pino from "pino";
import { expect } from "vitest";
import { setDeps, type TDeps } from "../src/server/deps";
import { appRouter } from "../src/server/routers/_app";
import { hashInviteToken } from "../src/server/services/org";
import type { TTrpcContext } from "../src/server/trpc/init";

export const SECRET_KEY = "a1".repeat(32);

type TTenant = {
  orgId: string;
  ownerId: string;
  ownerEmail: string;
  viewerId: string;
  memberId: string;
  /** Membership id of the owner (for role-change/remove attempts). */
  ownerMembershipId: string;
  key: string;
  keyId: string;
  readKey: string;
  hostId: string;
  jobId: string;
  modelId: string;
  inviteId: string;
  inviteToken: string;
};

export type TFixture = {
  deps: TDeps;
  prisma: TPrisma;
  redis: TRedis;
  a: TTenant;
  b: TTenant;
  caller(
    userId: string | null,
    opts?: { email?: string; requestedOrgId?: string | null },
  ): ReturnType<typeof appRouter.createCaller>;
  close(): Promise<void>;
};

let pwHash: string | undefined;

async function makeTenant(prisma: TPrisma, deps: TDeps, name: string): Promise<TTenant> {
  pwHash ??= await hashPassword("correct horse battery");
  const tag = randomBytes(3).toString("hex");
  const owner = await prisma.user.create({
    data: { email: `owner-${name}-${tag}@test.local`, passwordHash: pwHash },
  });
  const viewer = await prisma.user.create({
    data: { email: `viewer-${name}-${tag}@test.local`, passwordHash: pwHash },
  });
  const member = await prisma.user.create({
    data: { email: `member-${name}-${tag}@test.local`, passwordHash: pwHash },
  });
  const org = await prisma.organization.create({ data: { name: `Org ${name}`, slug: `org-${name}-${tag}` } });
  const ownerM = await prisma.membership.create({ data: { orgId: org.id, userId: owner.id, role: "owner" } });
  await prisma.membership.create({ data: { orgId: org.id, userId: viewer.id, role: "viewer" } });
  await prisma.membership.create({ data: { orgId: org.id, userId: member.id, role: "member" } });
  const k = generateApiKey();
  const key = await prisma.apiKey.create({
    data: {
      orgId: org.id,
      name: "main",
      prefix: k.prefix,
      hash: k.hash,
      scopes: ["inference", "read", "write", "admin"],
    },
  });
  const rk = generateApiKey();
  await prisma.apiKey.create({
    data: { orgId: org.id, name: "read-only", prefix: rk.prefix, hash: rk.hash, scopes: ["read"] },
  });
  const host = await prisma.host.create({
    data: { orgId: org.id, name: "local", endpoint: "unix:///var/run/docker.sock" },
  });
  const job = await enqueueJob(
    { prisma, queues: deps.queues },
    { orgId: org.id, kind: "demo.run", payload: { steps: 2, stepMs: 10 }, createdById: owner.id },
  );
  const model = await prisma.servedModel.create({
    data: {
      orgId: org.id,
      name: `model-${name}`,
      kind: "external",
      endpoints: { create: { orgId: org.id, url: "https://api.example.com/v1" } },
    },
  });
  const inviteToken = randomBytes(24).toString("base64url");
  const invite = await prisma.invite.create({
    data: {
      orgId: org.id,
      email: `invitee-${name}-${tag}@test.local`,
      role: "member",
      tokenHash: hashInviteToken(inviteToken),
      expiresAt: new Date(Date.now() + 86400_000),
    },
  });
  return {
    orgId: org.id,
    ownerId: owner.id,
    ownerEmail: owner.email,
    viewerId: viewer.id,
    memberId: member.id,
    ownerMembershipId: ownerM.id,
    key: k.key,
    keyId: key.id,
    readKey: rk.key,
    hostId: host.id,
    jobId: job.id,
    modelId: model.id,
    inviteId: invite.id,
    inviteToken,
  };
}

export async function createFixture(): Promise<TFixture> {
  const db = await createTestDatabase();
  const redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const queues = createQueues(redis, `aitk_webtest_${randomBytes(4).toString("hex")}`);
  const deps: TDeps = {
    prisma: db.prisma,
    redis,
    queues,
    secretKeyHex: SECRET_KEY,
    logger: pino({ level: "silent" }),
    publicUrl: "http://127.0.0.1:3000",
    dockerSocket: "/var/run/docker.sock",
    gatewayUrl: "http://127.0.0.1:4000",
    smtpConfigured: false,
    rateLimitFailMode: "open",
    allowLocalHosts: true,
  };
  setDeps(deps);
  const a = await makeTenant(db.prisma, deps, "a");
  const b = await makeTenant(db.prisma, deps, "b");
  const emails = new Map<string, string>();
  for (const u of await db.prisma.user.findMany()) emails.set(u.id, u.email);
  return {
    deps,
    prisma: db.prisma,
    redis,
    a,
    b,
    caller(userId, opts = {}) {
      const ctx: TTrpcContext = {
        deps,
        session: userId ? { userId, email: opts.email ?? emails.get(userId) ?? "" } : null,
        requestedOrgId: opts.requestedOrgId ?? null,
        ip: "127.0.0.1",
        baseUrl: "http://127.0.0.1:3000",
      };
      return appRouter.createCaller(ctx);
    },
    async close() {
      setDeps(undefined);
      for (const q of queues.all()) await q.obliterate({ force: true }).catch(() => undefined);
      await queues.close();
      redis.disconnect();
      await db.drop();
    },
  };
}

/** Every procedure path of the router ("org.get", "apiKeys.create", …) with its type. */
export function procedurePaths(): { path: string; type: "query" | "mutation" | "subscription" }[] {
  const procs = (appRouter._def as unknown as { procedures: Record<string, { _def: { type: string } }> })
    .procedures;
  return Object.entries(procs).map(([path, p]) => ({ path, type: p._def.type as "query" | "mutation" }));
}

/** Awaits a call expected to fail and returns its TRPCError (failing the test on any other outcome). */
export async function trpcError(p: Promise<unknown>): Promise<TRPCError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  return e as TRPCError;
}
