import { conflict, notFound } from "@aitk/core/errors";
import { assertJobName } from "@aitk/core/jobs/payload";
import type { TOrgJobName } from "@aitk/core/jobs/definitions";
import { type TJobDeps, enqueueJob } from "./enqueue";

/**
 * Runs a failed or cancelled job again as a new Job (same kind and payload; the old row keeps its
 * history). Jobs still queued or running, and completed ones, are refused with CONFLICT.
 */
export async function retryJob(deps: TJobDeps, jobId: string, orgId: string, createdById?: string | null) {
  const row = await deps.prisma.job.findFirst({ where: { id: jobId, orgId } });
  if (!row) throw notFound("job", jobId);
  if (row.state !== "failed" && row.state !== "cancelled") {
    throw conflict(`job ${jobId} is ${row.state}; only failed or cancelled jobs can be retried`);
  }
  const kind = assertJobName(row.kind) as TOrgJobName;
  return enqueueJob(deps, {
    orgId,
    kind,
    payload: row.payload as never,
    createdById: createdById ?? row.createdById,
  });
}
