import { z } from "zod";
import * as org from "../services/org";
import { adminProcedure, orgProcedure, router } from "../trpc/init";

const ZId = z.string().min(1).max(64);

export const orgRouter = router({
  get: orgProcedure.query(({ ctx }) => org.getOrg(ctx.svc)),
  update: adminProcedure.input(org.ZUpdateOrg).mutation(({ ctx, input }) => org.updateOrg(ctx.svc, input)),
  members: orgProcedure.query(({ ctx }) => org.listMembers(ctx.svc)),
  changeRole: adminProcedure
    .input(org.ZChangeRole)
    .mutation(({ ctx, input }) => org.changeMemberRole(ctx.svc, input)),
  removeMember: adminProcedure
    .input(z.object({ memberId: ZId }))
    .mutation(({ ctx, input }) => org.removeMember(ctx.svc, input.memberId)),
  invites: adminProcedure.query(({ ctx }) => org.listInvites(ctx.svc)),
  invite: adminProcedure
    .input(org.ZCreateInvite)
    .mutation(({ ctx, input }) => org.createInvite(ctx.svc, input, { baseUrl: ctx.baseUrl })),
  revokeInvite: adminProcedure
    .input(z.object({ inviteId: ZId }))
    .mutation(({ ctx, input }) => org.revokeInvite(ctx.svc, input.inviteId)),
});
