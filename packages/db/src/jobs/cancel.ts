import { notFound } from "@aitk/core/errors";
import { isJobName } from "@aitk/core/jobs/definitions";
import type { Redis } from "ioredis";
import type { TPrisma } from "../client";
import type { TQueues } from "./queues";
import { queuesOf } from "./enqueue";
import { JOB_CANCEL_CHANNEL } from "./keys";
import { finishJob, TERMINAL_JOB_STATES } from "./finish";
import { appendJobLog } from "./logs";

export type TCancelOutcome =
  /** It had not started (or was waiting for a retry): removed from the queue and marked cancelled. */
  | "cancelled"
  /** It is running: its worker was told to abort; the row turns cancelled when the handler stops. */
  | "cancelling"
  /** It had already finished; nothing changed. */
  | "finished";

/**
 * Cancels a job of the org. Cancelled jobs are never retried. Throws NOT_FOUND for another org's job.
 */
export async function requestCancel(
  deps: { prisma: TPrisma; redis: Redis; queues?: TQueues; queue?: TQueues },
  jobId: string,
  orgId: string,
): Promise<{ outcome: TCancelOutcome; state: string }> {
  const { prisma, redis } = deps;
  const row = await prisma.job.findFirst({ where: { id: jobId, orgId } });
  if (!row) throw notFound("job", jobId);
  if ((TERMINAL_JOB_STATES as readonly string[]).includes(row.state)) {
    return { outcome: "finished", state: row.state };
  }
  // The flag first: a worker that picks the job up from now on sees it before running the handler.
  await prisma.job.update({ where: { id: jobId }, data: { cancelRequested: true } });

  const removed = isJobName(row.kind) ? await queuesOf(deps).get(row.kind).remove(jobId) : 1;
  if (removed === 1) {
    await appendJobLog(redis, jobId, "cancelled before it ran", "warn");
    await finishJob(prisma, redis, { id: jobId, orgId }, { state: "cancelled", error: "cancelled" });
    const now = await prisma.job.findUniqueOrThrow({ where: { id: jobId }, select: { state: true } });
    return { outcome: now.state === "cancelled" ? "cancelled" : "finished", state: now.state };
  }
  // Locked = a worker holds it: every worker listens on this channel and aborts the handler's signal.
  await redis.publish(JOB_CANCEL_CHANNEL, jobId);
  return { outcome: "cancelling", state: "active" };
}
