import { DomainError } from "@aitk/core/errors";
import { z } from "zod";
import * as account from "../services/account";
import * as org from "../services/org";
import { hitSignUpLimit } from "../services/signInLimiter";
import { authedProcedure, publicProcedure, router } from "../trpc/init";

// User-level procedures: they act on the signed-in user, not inside one organization.
export const accountRouter = router({
  signUp: publicProcedure.input(account.ZSignUp).mutation(async ({ ctx, input }) => {
    const wait = await hitSignUpLimit(ctx.deps.redis, ctx.ip);
    if (wait !== null) {
      throw new DomainError(
        "RATE_LIMITED",
        `Too many sign-ups from your network. Try again in ${Math.ceil(wait / 60)} minutes.`,
      );
    }
    return account.signUp(ctx.deps, input, ctx.ip);
  }),
  me: authedProcedure.query(async ({ ctx }) => {
    const user = await ctx.deps.prisma.user.findUnique({
      where: { id: ctx.session.userId },
      select: { id: true, email: true, name: true },
    });
    if (!user) throw new DomainError("UNAUTHORIZED", "your account no longer exists; sign in again");
    const m = await org.resolveMembership(ctx.deps, user.id, ctx.requestedOrgId);
    return { user, activeOrgId: m?.orgId ?? null, orgs: await org.listMyOrgs(ctx.deps, user.id) };
  }),
  createOrg: authedProcedure.input(org.ZCreateOrg).mutation(async ({ ctx, input }) => {
    const created = await org.createOrgForUser(ctx.deps, ctx.session.userId, input, ctx.ip);
    ctx.setActiveOrg?.(created.id);
    return created;
  }),
  switchOrg: authedProcedure
    .input(z.object({ orgId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const m = await ctx.deps.prisma.membership.findUnique({
        where: { orgId_userId: { orgId: input.orgId, userId: ctx.session.userId } },
      });
      // Same answer for "no such org" and "not yours": ids of other tenants are not confirmed.
      if (!m) throw new DomainError("NOT_FOUND", `organization ${input.orgId} not found`, { field: "orgId" });
      ctx.setActiveOrg?.(m.orgId);
      return { orgId: m.orgId };
    }),
  acceptInvite: authedProcedure
    .input(z.object({ token: z.string().min(10).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const res = await org.acceptInvite(
        ctx.deps,
        { id: ctx.session.userId, email: ctx.session.email },
        input.token,
        ctx.ip,
      );
      ctx.setActiveOrg?.(res.orgId);
      return res;
    }),
});
