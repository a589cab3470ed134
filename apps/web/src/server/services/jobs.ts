import { DomainError } from "@aitk/core/errors";
import type { TOrgJobName } from "@aitk/core/jobs/definitions";
import { enqueueJob, type TEnqueueInput } from "@aitk/db/jobs/enqueue";
import { requestCancel } from "@aitk/db/jobs/cancel";
import { readJobLogs, readPersistedJobLogs } from "@aitk/db/jobs/logs";
import { z } from "zod";
import { requireRole, type TServiceCtx } from "./actor";
import { audit } from "./audit";

export const ZJobState = z.enum(["queued", "active", "completed", "failed", "cancelled"]);

export const ZJob = z.object({
  id: z.string(),
  kind: z.string(),
  state: ZJobState,
  progress: z.number(),
  progressMessage: z.string().nullable(),
  payload: z.unknown(),
  result: z.unknown(),
  error: z.string().nullable(),
  attempts: z.number(),
  cancelRequested: z.boolean(),
  createdById: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type TJobOut = z.infer<typeof ZJob>;

type TJobRow = {
  id: string;
  kind: string;
  state: TJobOut["state"];
  progress: number;
  progressMessage: string | null;
  payload: unknown;
  result: unknown;
  error: string | null;
  attempts: number;
  cancelRequested: boolean;
  createdById: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toJobOut = (j: TJobRow): TJobOut => ({
  id: j.id,
  kind: j.kind,
  state: j.state,
  progress: j.progress,
  progressMessage: j.progressMessage,
  payload: j.payload ?? {},
  result: j.result ?? null,
  error: j.error,
  attempts: j.attempts,
  cancelRequested: j.cancelRequested,
  createdById: j.createdById,
  createdAt: j.createdAt.toISOString(),
  startedAt: iso(j.startedAt),
  finishedAt: iso(j.finishedAt),
});

/** Enqueues an org job for the acting member/key; the one way web code starts background work. */
export async function enqueue<N extends TOrgJobName>(
  ctx: TServiceCtx,
  kind: N,
  payload: TEnqueueInput<N>["payload"],
) {
  return enqueueJob(
    { prisma: ctx.deps.prisma, queues: ctx.deps.queues },
    { orgId: ctx.actor.orgId, kind, payload, createdById: ctx.actor.userId },
  );
}

export const ZListJobs = z.object({
  state: ZJobState.optional(),
  kind: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(64).optional(),
});

export async function listJobs(ctx: TServiceCtx, input: z.input<typeof ZListJobs> = {}) {
  const q = ZListJobs.parse(input);
  const rows = await ctx.deps.prisma.job.findMany({
    where: {
      orgId: ctx.actor.orgId,
      ...(q.state ? { state: q.state } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(toJobOut),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

export async function findJob(ctx: TServiceCtx, id: string) {
  const j = await ctx.deps.prisma.job.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!j) throw new DomainError("NOT_FOUND", `job ${id} not found`, { field: "id" });
  return j;
}

export async function getJob(ctx: TServiceCtx, id: string): Promise<TJobOut> {
  return toJobOut(await findJob(ctx, id));
}

export const ZJobLogLine = z.object({
  seq: z.number(),
  ts: z.string(),
  level: z.string(),
  line: z.string(),
});

/** Log lines of a job: from Postgres once it ended, else from its live Redis stream. */
export async function getJobLogs(ctx: TServiceCtx, id: string) {
  const job = await findJob(ctx, id);
  const persisted = await readPersistedJobLogs(ctx.deps.prisma, { id: job.id, orgId: job.orgId });
  if (persisted.length > 0) {
    return {
      lines: persisted.map((l) => ({ seq: l.seq, ts: l.ts.toISOString(), level: l.level, line: l.line })),
    };
  }
  const live = await readJobLogs(ctx.deps.redis, job.id, "0");
  let seq = 0;
  const lines = [];
  for (const e of live.entries) {
    if (e.type !== "log") continue;
    seq += 1;
    lines.push({ seq, ts: new Date(e.ts).toISOString(), level: e.level, line: e.line });
  }
  return { lines };
}

export const ZRunDemoJob = z.object({
  steps: z.number().int().min(1).max(1000).default(10),
  stepMs: z.number().int().min(0).max(60_000).default(500),
  failAtStep: z.number().int().min(1).max(1000).optional(),
  failAttempts: z.number().int().min(1).max(10).optional(),
});

export async function runDemoJob(ctx: TServiceCtx, input: z.input<typeof ZRunDemoJob> = {}) {
  requireRole(ctx.actor, "member");
  const data = ZRunDemoJob.parse(input);
  const job = await enqueue(ctx, "demo.run", data);
  await audit(ctx, {
    action: "job.create",
    targetType: "Job",
    targetId: job.id,
    after: { kind: "demo.run", ...data },
  });
  return toJobOut(job);
}

export async function cancelJob(ctx: TServiceCtx, id: string) {
  requireRole(ctx.actor, "member");
  const job = await findJob(ctx, id);
  const res = await requestCancel(
    { prisma: ctx.deps.prisma, redis: ctx.deps.redis, queues: ctx.deps.queues },
    job.id,
    ctx.actor.orgId,
  );
  await audit(ctx, {
    action: "job.cancel",
    targetType: "Job",
    targetId: job.id,
    before: { state: job.state },
    after: res,
  });
  return res;
}
