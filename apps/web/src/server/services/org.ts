import { createHash, randomBytes } from "node:crypto";
import { DomainError } from "@aitk/core/errors";
import type { Role } from "@aitk/db/enums";
import { z } from "zod";
import type { TDeps } from "../deps";
import { requireRole, roleAtLeast, type TServiceCtx } from "./actor";
import { audit } from "./audit";

export const ZRole = z.enum(["owner", "admin", "member", "viewer"]);

export const ZOrg = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  plan: z.string(),
  allowPrivateUpstreams: z.boolean(),
  allowLoopbackUpstreams: z.boolean(),
  logPrompts: z.boolean(),
  requireSignedModels: z.boolean(),
  rpmLimit: z.number().nullable(),
  tpmLimit: z.number().nullable(),
  rawEventRetentionDays: z.number(),
  createdAt: z.string(),
});
export type TOrgOut = z.infer<typeof ZOrg>;

type TOrgRow = Omit<TOrgOut, "createdAt" | "plan"> & { plan: string; createdAt: Date };

export const toOrgOut = (o: TOrgRow): TOrgOut => ({
  id: o.id,
  name: o.name,
  slug: o.slug,
  plan: o.plan,
  allowPrivateUpstreams: o.allowPrivateUpstreams,
  allowLoopbackUpstreams: o.allowLoopbackUpstreams,
  logPrompts: o.logPrompts,
  requireSignedModels: o.requireSignedModels,
  rpmLimit: o.rpmLimit,
  tpmLimit: o.tpmLimit,
  rawEventRetentionDays: o.rawEventRetentionDays,
  createdAt: o.createdAt.toISOString(),
});

export async function getOrg(ctx: TServiceCtx): Promise<TOrgOut & { role: Role }> {
  const org = await ctx.deps.prisma.organization.findUnique({ where: { id: ctx.actor.orgId } });
  if (!org) throw new DomainError("NOT_FOUND", "organization not found");
  return { ...toOrgOut(org), role: ctx.actor.role };
}

export const ZUpdateOrg = z.object({
  name: z.string().trim().min(1, "is required").max(100).optional(),
  allowPrivateUpstreams: z.boolean().optional(),
  allowLoopbackUpstreams: z.boolean().optional(),
  logPrompts: z.boolean().optional(),
  requireSignedModels: z.boolean().optional(),
  rpmLimit: z.number().int().min(1).max(10_000_000).nullable().optional(),
  tpmLimit: z.number().int().min(1).max(10_000_000_000).nullable().optional(),
  rawEventRetentionDays: z.number().int().min(1).max(3650).optional(),
});

export async function updateOrg(ctx: TServiceCtx, input: z.input<typeof ZUpdateOrg>): Promise<TOrgOut> {
  requireRole(ctx.actor, "admin");
  const data = ZUpdateOrg.parse(input);
  const before = await ctx.deps.prisma.organization.findUnique({ where: { id: ctx.actor.orgId } });
  if (!before) throw new DomainError("NOT_FOUND", "organization not found");
  const org = await ctx.deps.prisma.organization.update({ where: { id: ctx.actor.orgId }, data });
  const changedBefore: Record<string, unknown> = {};
  for (const k of Object.keys(data)) changedBefore[k] = (before as Record<string, unknown>)[k];
  await audit(ctx, {
    action: "org.update",
    targetType: "Organization",
    targetId: org.id,
    before: changedBefore,
    after: data,
  });
  return toOrgOut(org);
}

export const ZMember = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: ZRole,
  createdAt: z.string(),
});
export type TMemberOut = z.infer<typeof ZMember>;

export async function listMembers(ctx: TServiceCtx): Promise<TMemberOut[]> {
  const rows = await ctx.deps.prisma.membership.findMany({
    where: { orgId: ctx.actor.orgId },
    include: { user: { select: { email: true, name: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((m) => ({
    id: m.id,
    userId: m.userId,
    email: m.user.email,
    name: m.user.name,
    role: m.role,
    createdAt: m.createdAt.toISOString(),
  }));
}

async function findMember(ctx: TServiceCtx, membershipId: string) {
  const m = await ctx.deps.prisma.membership.findFirst({
    where: { id: membershipId, orgId: ctx.actor.orgId },
  });
  if (!m) throw new DomainError("NOT_FOUND", `member ${membershipId} not found`, { field: "memberId" });
  return m;
}

async function assertNotLastOwner(ctx: TServiceCtx, m: { role: Role }) {
  if (m.role !== "owner") return;
  const owners = await ctx.deps.prisma.membership.count({ where: { orgId: ctx.actor.orgId, role: "owner" } });
  if (owners <= 1) {
    throw new DomainError("PRECONDITION", "the organization needs at least one owner", { field: "role" });
  }
}

export const ZChangeRole = z.object({ memberId: z.string().min(1).max(64), role: ZRole });

export async function changeMemberRole(ctx: TServiceCtx, input: z.input<typeof ZChangeRole>) {
  requireRole(ctx.actor, "admin");
  const { memberId, role } = ZChangeRole.parse(input);
  const m = await findMember(ctx, memberId);
  // Only owners make or unmake owners.
  if (role === "owner" || m.role === "owner") requireRole(ctx.actor, "owner");
  if (role !== "owner") await assertNotLastOwner(ctx, m);
  const updated = await ctx.deps.prisma.membership.update({ where: { id: m.id }, data: { role } });
  await audit(ctx, {
    action: "member.role",
    targetType: "Membership",
    targetId: m.id,
    before: { role: m.role },
    after: { role },
  });
  return { id: updated.id, role: updated.role };
}

export async function removeMember(ctx: TServiceCtx, memberId: string) {
  requireRole(ctx.actor, "admin");
  const m = await findMember(ctx, memberId);
  if (m.role === "owner") requireRole(ctx.actor, "owner");
  await assertNotLastOwner(ctx, m);
  await ctx.deps.prisma.membership.delete({ where: { id: m.id } });
  await audit(ctx, {
    action: "member.remove",
    targetType: "Membership",
    targetId: m.id,
    before: { userId: m.userId, role: m.role },
  });
  return { id: m.id };
}

// ---------------------------------------------------------------------------------------------- invites

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
export const hashInviteToken = (token: string) => createHash("sha256").update(token).digest("hex");

export const ZCreateInvite = z.object({
  email: z.string().trim().toLowerCase().email("must be a valid e-mail address").max(254),
  role: ZRole.default("member"),
});

export const ZInvite = z.object({
  id: z.string(),
  email: z.string(),
  role: ZRole,
  expiresAt: z.string(),
  acceptedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type TInviteOut = z.infer<typeof ZInvite>;

type TInviteRow = {
  id: string;
  email: string;
  role: Role;
  expiresAt: Date;
  acceptedAt: Date | null;
  createdAt: Date;
};
const toInviteOut = (i: TInviteRow): TInviteOut => ({
  id: i.id,
  email: i.email,
  role: i.role,
  expiresAt: i.expiresAt.toISOString(),
  acceptedAt: i.acceptedAt ? i.acceptedAt.toISOString() : null,
  createdAt: i.createdAt.toISOString(),
});

export async function listInvites(ctx: TServiceCtx): Promise<TInviteOut[]> {
  requireRole(ctx.actor, "admin");
  const rows = await ctx.deps.prisma.invite.findMany({
    where: { orgId: ctx.actor.orgId, acceptedAt: null },
    orderBy: { createdAt: "desc" },
  });
  return rows.map(toInviteOut);
}

/**
 * Creates an invite and returns its link. The token travels only in the link; the row keeps its hash.
 * Without SMTP the link is returned for the admin to pass on (and logged so an operator can find it).
 */
export async function createInvite(
  ctx: TServiceCtx,
  input: z.input<typeof ZCreateInvite>,
  opts: { baseUrl: string },
): Promise<{ invite: TInviteOut; link: string; emailed: boolean }> {
  requireRole(ctx.actor, "admin");
  const { email, role } = ZCreateInvite.parse(input);
  if (role === "owner") requireRole(ctx.actor, "owner");
  const already = await ctx.deps.prisma.membership.findFirst({
    where: { orgId: ctx.actor.orgId, user: { email } },
  });
  if (already) throw new DomainError("CONFLICT", `${email} is already a member`, { field: "email" });
  const token = randomBytes(32).toString("base64url");
  const row = await ctx.deps.prisma.invite.create({
    data: {
      orgId: ctx.actor.orgId,
      email,
      role,
      tokenHash: hashInviteToken(token),
      invitedById: ctx.actor.userId,
      expiresAt: new Date(Date.now() + INVITE_TTL_MS),
    },
  });
  const link = `${opts.baseUrl.replace(/\/$/, "")}/invite/${token}`;
  // No mailer is wired yet: the admin copies the link from the dashboard; operators find it in the log.
  ctx.deps.logger.info(
    { inviteId: row.id, orgId: ctx.actor.orgId, email, link },
    "invite created (no SMTP: link not mailed)",
  );
  const invite = toInviteOut(row);
  await audit(ctx, {
    action: "invite.create",
    targetType: "Invite",
    targetId: row.id,
    after: { email, role },
  });
  return { invite, link, emailed: false };
}

export async function revokeInvite(ctx: TServiceCtx, inviteId: string) {
  requireRole(ctx.actor, "admin");
  const inv = await ctx.deps.prisma.invite.findFirst({ where: { id: inviteId, orgId: ctx.actor.orgId } });
  if (!inv) throw new DomainError("NOT_FOUND", `invite ${inviteId} not found`, { field: "inviteId" });
  await ctx.deps.prisma.invite.delete({ where: { id: inv.id } });
  await audit(ctx, {
    action: "invite.revoke",
    targetType: "Invite",
    targetId: inv.id,
    before: { email: inv.email },
  });
  return { id: inv.id };
}

// ------------------------------------------------------------------------------ user-level (no org yet)

export async function listMyOrgs(deps: TDeps, userId: string) {
  const rows = await deps.prisma.membership.findMany({
    where: { userId },
    include: { org: { select: { id: true, name: true, slug: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((m) => ({ id: m.org.id, name: m.org.name, slug: m.org.slug, role: m.role }));
}

/** The membership that an org cookie may select; null when the user is not a member of that org. */
export async function resolveMembership(deps: TDeps, userId: string, requestedOrgId: string | null) {
  if (requestedOrgId) {
    const m = await deps.prisma.membership.findUnique({
      where: { orgId_userId: { orgId: requestedOrgId, userId } },
    });
    if (m) return m;
  }
  return deps.prisma.membership.findFirst({ where: { userId }, orderBy: { createdAt: "asc" } });
}

export const slugify = (name: string) =>
  name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40) || "org";

export const ZCreateOrg = z.object({ name: z.string().trim().min(1, "is required").max(100) });

export async function createOrgForUser(
  deps: TDeps,
  userId: string,
  input: z.input<typeof ZCreateOrg>,
  ip: string | null,
) {
  const { name } = ZCreateOrg.parse(input);
  const base = slugify(name);
  const slug = `${base}-${randomBytes(3).toString("hex")}`;
  const org = await deps.prisma.organization.create({
    data: { name, slug, memberships: { create: { userId, role: "owner" } } },
  });
  await audit(
    { deps, actor: { orgId: org.id, role: "owner", userId, apiKeyId: null, ip } },
    { action: "org.create", targetType: "Organization", targetId: org.id, after: { name, slug } },
  );
  return { id: org.id, name: org.name, slug: org.slug, role: "owner" as Role };
}

export async function acceptInvite(
  deps: TDeps,
  user: { id: string; email: string },
  token: string,
  ip: string | null,
) {
  const inv = await deps.prisma.invite.findUnique({ where: { tokenHash: hashInviteToken(token) } });
  if (!inv || inv.acceptedAt)
    throw new DomainError("NOT_FOUND", "this invite link is not valid (used or revoked)", { field: "token" });
  if (inv.expiresAt.getTime() < Date.now()) {
    throw new DomainError("PRECONDITION", "this invite link has expired; ask for a new one", {
      field: "token",
    });
  }
  if (inv.email.toLowerCase() !== user.email.toLowerCase()) {
    throw new DomainError(
      "FORBIDDEN",
      `this invite is for ${inv.email}; sign in with that address to accept it`,
    );
  }
  const existing = await deps.prisma.membership.findUnique({
    where: { orgId_userId: { orgId: inv.orgId, userId: user.id } },
  });
  await deps.prisma.$transaction([
    deps.prisma.invite.update({ where: { id: inv.id }, data: { acceptedAt: new Date() } }),
    ...(existing
      ? []
      : [deps.prisma.membership.create({ data: { orgId: inv.orgId, userId: user.id, role: inv.role } })]),
  ]);
  await audit(
    { deps, actor: { orgId: inv.orgId, role: inv.role, userId: user.id, apiKeyId: null, ip } },
    { action: "invite.accept", targetType: "Invite", targetId: inv.id, after: { role: inv.role } },
  );
  return { orgId: inv.orgId };
}

/** What the invite page shows before the visitor signs in (no secrets: org name, e-mail, role). */
export async function describeInvite(deps: TDeps, token: string) {
  const inv = await deps.prisma.invite.findUnique({
    where: { tokenHash: hashInviteToken(token) },
    include: { org: { select: { name: true } } },
  });
  if (!inv || inv.acceptedAt || inv.expiresAt.getTime() < Date.now()) return null;
  return { orgName: inv.org.name, email: inv.email, role: inv.role };
}

export { roleAtLeast };
