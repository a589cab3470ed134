import { z } from "zod";
import * as deployments from "../services/deployments";
import { requireRole } from "../services/actor";
import { orgProcedure, router } from "../trpc/init";

const ZId = z.object({ id: z.string().min(1).max(64) });

export const deploymentsRouter = router({
  list: orgProcedure.query(({ ctx }) => deployments.listDeployments(ctx.svc)),
  get: orgProcedure.input(ZId).query(({ ctx, input }) => deployments.getDeployment(ctx.svc, input.id)),
  revisions: orgProcedure.input(ZId).query(({ ctx, input }) => deployments.listRevisions(ctx.svc, input.id)),
  create: orgProcedure
    .input(deployments.ZCreateDeployment)
    .mutation(({ ctx, input }) => deployments.createDeployment(ctx.svc, input)),
  redeploy: orgProcedure.input(ZId.extend(deployments.ZApplyDeployment.shape)).mutation(({ ctx, input }) => {
    const { id, ...rest } = input;
    return deployments.applyDeployment(ctx.svc, id, rest);
  }),
  rollback: orgProcedure
    .input(ZId.extend(deployments.ZRollback.shape))
    .mutation(({ ctx, input }) =>
      deployments.rollbackDeployment(ctx.svc, input.id, { revision: input.revision }),
    ),
  // A mutation because the file can be long for a GET URL; nothing changes.
  render: orgProcedure.input(deployments.ZRenderInput).mutation(({ ctx, input }) => {
    requireRole(ctx.actor, "member");
    return deployments.renderYaml(input);
  }),
  renderStored: orgProcedure
    .input(ZId.extend({ targets: z.array(z.string()).optional() }))
    .query(({ ctx, input }) => deployments.renderStored(ctx.svc, input.id, input.targets)),
  cost: orgProcedure.input(ZId).query(({ ctx, input }) => deployments.deploymentCost(ctx.svc, input.id)),
  logs: orgProcedure
    .input(
      ZId.extend({
        replicaId: z.string().min(1).max(64),
        tail: z.number().int().min(1).max(5000).optional(),
      }),
    )
    .query(({ ctx, input }) => deployments.replicaLogs(ctx.svc, input.id, input.replicaId, input.tail)),
  schema: orgProcedure.query(() => deployments.deploymentSchema()),
});
