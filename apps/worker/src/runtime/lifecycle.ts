// Job row transitions short of the end (the end is finishJob in @aitk/db/jobs/finish). Each write is
// conditional on the row not being finished yet, so a late event never overwrites a final state.
import type { TPrisma } from "@aitk/db";
import { TERMINAL_JOB_STATES } from "@aitk/db/jobs/finish";

const notFinished = { notIn: [...TERMINAL_JOB_STATES] };

export async function markActive(prisma: TPrisma, jobId: string, attempt: number, startedAt: Date | null) {
  return prisma.job.updateMany({
    where: { id: jobId, state: notFinished },
    // Each try starts over, so its progress does too.
    data: {
      state: "active",
      attempts: attempt,
      startedAt: startedAt ?? new Date(),
      progress: 0,
      progressMessage: null,
    },
  });
}

export async function markRetrying(prisma: TPrisma, jobId: string, error: string) {
  return prisma.job.updateMany({
    where: { id: jobId, state: notFinished },
    data: { state: "queued", error },
  });
}

export async function markReleased(prisma: TPrisma, jobId: string) {
  return prisma.job.updateMany({ where: { id: jobId, state: notFinished }, data: { state: "queued" } });
}
