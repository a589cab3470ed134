import type { Redis } from "ioredis";
import type { TPrisma } from "../client";
import { appendJobProgress, clampProgress } from "./logs";

/** Stores progress (0–100) and a message on the Job row and publishes it on the job's live stream. */
export async function reportJobProgress(
  prisma: TPrisma,
  redis: Redis,
  jobId: string,
  progress: number,
  message?: string | null,
): Promise<void> {
  const pct = clampProgress(progress);
  await Promise.all([
    prisma.job.update({
      where: { id: jobId },
      data: { progress: pct, ...(message !== undefined ? { progressMessage: message } : {}) },
    }),
    appendJobProgress(redis, jobId, pct, message),
  ]);
}
