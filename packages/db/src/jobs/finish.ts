import type { Redis } from "ioredis";
import type { TPrisma } from "../client";
import { FINISHED_STREAM_TTL_S, jobLogKey } from "./keys";
import { appendJobEnd, collectJobLogRows, type TJobEndState } from "./logs";

export const TERMINAL_JOB_STATES = ["completed", "failed", "cancelled"] as const;

/** Handler results go into a Json column: BigInts become strings, undefined becomes {}. */
export function toJsonValue(value: unknown): object | string | number | boolean {
  if (value === undefined || value === null) return {};
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

/**
 * Final transition of a Job row. The end state and the log lines (copied from the live stream into
 * JobLog) commit together, so whoever sees the row finished also sees all its lines; then the stream
 * gets its end marker (live tails stop) and an expiry. Returns false, changing nothing, when the row
 * was already finished: a late cancel or a stalled-job sweep never overwrites a final state.
 */
export async function finishJob(
  prisma: TPrisma,
  redis: Redis,
  job: { id: string; orgId: string },
  end: { state: TJobEndState; error?: string | null; result?: unknown },
): Promise<boolean> {
  const rows = await collectJobLogRows(redis, job);
  const done = await prisma.$transaction(async (tx) => {
    const res = await tx.job.updateMany({
      where: { id: job.id, state: { notIn: [...TERMINAL_JOB_STATES] } },
      data: {
        state: end.state,
        finishedAt: new Date(),
        error: end.state === "completed" ? null : (end.error ?? null),
        ...(end.state === "completed" ? { progress: 100 } : {}),
        ...(end.result !== undefined ? { result: toJsonValue(end.result) } : {}),
      },
    });
    if (res.count === 0) return false;
    if (rows.length > 0) await tx.jobLog.createMany({ data: rows, skipDuplicates: true });
    return true;
  });
  if (!done) return false;
  await appendJobEnd(redis, job.id, end.state, end.error ?? null);
  await redis.expire(jobLogKey(job.id), FINISHED_STREAM_TTL_S);
  return true;
}
