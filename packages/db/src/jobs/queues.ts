import { validationError } from "@aitk/core/errors";
import { getJobDefinition, type TJobName, type TSystemJobName } from "@aitk/core/jobs/definitions";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

export type TQueues = {
  readonly prefix: string;
  /** The BullMQ queue of a job kind (one queue per kind, named by the kind). */
  get(kind: TJobName): Queue;
  /** Every queue created so far. */
  all(): Queue[];
  close(): Promise<void>;
};

/**
 * Queues share the caller's Redis connection (BullMQ does not close a connection it was given).
 * `prefix` namespaces every BullMQ key: production uses AITK_QUEUE_PREFIX, each test file its own.
 */
export function createQueues(redis: Redis, prefix = "aitk"): TQueues {
  const queues = new Map<TJobName, Queue>();
  return {
    prefix,
    get(kind) {
      let q = queues.get(kind);
      if (!q) {
        const def = getJobDefinition(kind);
        q = new Queue(kind, {
          connection: redis,
          prefix,
          defaultJobOptions: {
            attempts: def.attempts,
            backoff: { type: def.backoff.type, delay: def.backoff.delay },
            // The Job row is the durable record; BullMQ only keeps recent history for inspection.
            removeOnComplete: { age: 3600, count: 1000 },
            removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
          },
        });
        queues.set(kind, q);
      }
      return q;
    },
    all: () => [...queues.values()],
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}

/**
 * Queues one run of a scheduled system job now (a "check all hosts now" button, an operator command),
 * besides its schedule. Resolves with the BullMQ job id; its outcome goes to the worker's log.
 */
export async function triggerSystemJob(queues: TQueues, kind: TSystemJobName): Promise<string> {
  const def = getJobDefinition(kind);
  if (def.scope !== "system") {
    throw validationError(`job kind "${kind}" is an org job: use enqueueJob`, { field: "kind" });
  }
  const job = await queues.get(kind).add(kind, {}, { removeOnComplete: true, removeOnFail: 100 });
  return job.id!;
}
