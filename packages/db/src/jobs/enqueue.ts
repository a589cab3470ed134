import { DomainError, notFound, validationError } from "@aitk/core/errors";
import { getJobDefinition, type TJobInput, type TOrgJobName } from "@aitk/core/jobs/definitions";
import { assertJobName, parseJobPayload } from "@aitk/core/jobs/payload";
import type { Redis } from "ioredis";
import type { TPrisma } from "../client";
import { jobLogKey } from "./keys";
import type { TQueues } from "./queues";

export type TJobDeps = {
  prisma: TPrisma;
  /** From `createQueues`. `queue` is accepted as another name for it. */
  queues?: TQueues;
  queue?: TQueues;
  /** Not used here; accepted so one `{ prisma, redis, queues }` object serves enqueue and cancel. */
  redis?: Redis;
};

export type TEnqueueInput<N extends TOrgJobName> = {
  orgId: string;
  kind: N;
  /** Ids only; `orgId` may be left out (it is filled from `orgId` above). */
  payload?: Omit<TJobInput<N>, "orgId"> & { orgId?: string };
  createdById?: string | null;
  /** Overrides of the kind's retry policy (tests use tiny backoffs) and a start delay. */
  opts?: { attempts?: number; backoffDelayMs?: number; delayMs?: number };
};

export const queuesOf = (deps: { queues?: TQueues; queue?: TQueues }): TQueues => {
  const q = deps.queues ?? deps.queue;
  if (!q) throw new Error("job deps need `queues` (from createQueues)");
  return q;
};

/**
 * Creates the Job row (state queued) and then the BullMQ job whose id is the row's id, so either side
 * finds the other. The payload is validated against the kind's schema first (DomainError VALIDATION
 * naming the field). If Redis refuses the job the row is marked failed and UNAVAILABLE is thrown.
 */
export async function enqueueJob<N extends TOrgJobName>(deps: TJobDeps, input: TEnqueueInput<N>) {
  const kind = assertJobName(input.kind) as N;
  const def = getJobDefinition(kind);
  if (def.scope !== "org") {
    throw validationError(`job kind "${kind}" is scheduled by the system and cannot be enqueued`, {
      field: "kind",
    });
  }
  const given = (input.payload ?? {}) as Record<string, unknown>;
  if (given.orgId !== undefined && given.orgId !== input.orgId) {
    throw validationError("payload.orgId does not match the job's organization", { field: "payload.orgId" });
  }
  const payload = parseJobPayload(kind, { ...given, orgId: input.orgId });

  const org = await deps.prisma.organization.findUnique({ where: { id: input.orgId }, select: { id: true } });
  if (!org) throw notFound("organization", input.orgId);

  const row = await deps.prisma.job.create({
    data: {
      orgId: input.orgId,
      kind,
      payload: payload as object,
      state: "queued",
      createdById: input.createdById ?? null,
    },
  });
  const attempts = input.opts?.attempts ?? def.attempts;
  const backoffDelay = input.opts?.backoffDelayMs ?? def.backoff.delay;
  try {
    await queuesOf(deps)
      .get(kind)
      .add(kind, payload, {
        jobId: row.id,
        attempts,
        backoff: { type: def.backoff.type, delay: backoffDelay },
        ...(input.opts?.delayMs ? { delay: input.opts.delayMs } : {}),
      });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await deps.prisma.job.update({
      where: { id: row.id },
      data: { state: "failed", error: `could not enqueue: ${message}`, finishedAt: new Date() },
    });
    throw new DomainError("UNAVAILABLE", `job queue unavailable: ${message}`);
  }
  return deps.prisma.job.update({
    where: { id: row.id },
    data: { bullmqId: row.id, logsKey: jobLogKey(row.id) },
  });
}
