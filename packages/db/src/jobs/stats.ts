// What the dashboard's jobs page and `aitk doctor` show about the queues and the workers serving them.
import { jobNames, type TJobName } from "@aitk/core/jobs/definitions";
import type { Redis } from "ioredis";
import type { TQueues } from "./queues";

export type TQueueCounts = {
  kind: TJobName;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
};

/** BullMQ counts per job kind (every kind by default). */
export async function queueCounts(
  queues: TQueues,
  kinds: readonly TJobName[] = jobNames,
): Promise<TQueueCounts[]> {
  return Promise.all(
    kinds.map(async (kind) => {
      const c = await queues.get(kind).getJobCounts("waiting", "active", "delayed", "failed", "completed");
      return {
        kind,
        waiting: c.waiting ?? 0,
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
        completed: c.completed ?? 0,
      };
    }),
  );
}

export type TWorkerHeartbeat = {
  id: string;
  host: string;
  pid: number;
  kinds: string[];
  running: number;
  startedAt: string;
  seenAt: string;
};

/** Workers refresh their heartbeat key every few seconds; a key outliving its TTL means a dead worker. */
export const workerHeartbeatKey = (prefix: string, workerId: string) => `aitk:workers:${prefix}:${workerId}`;
export const WORKER_HEARTBEAT_TTL_S = 15;

export async function writeWorkerHeartbeat(
  redis: Redis,
  prefix: string,
  hb: TWorkerHeartbeat,
): Promise<void> {
  await redis.set(workerHeartbeatKey(prefix, hb.id), JSON.stringify(hb), "EX", WORKER_HEARTBEAT_TTL_S);
}

export async function removeWorkerHeartbeat(redis: Redis, prefix: string, workerId: string): Promise<void> {
  await redis.del(workerHeartbeatKey(prefix, workerId));
}

/** Worker processes alive now (heartbeat within the last 15 s) for a queue prefix. */
export async function listWorkers(redis: Redis, prefix: string): Promise<TWorkerHeartbeat[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", workerHeartbeatKey(prefix, "*"), "COUNT", 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values
    .filter((v): v is string => v !== null)
    .map((v) => JSON.parse(v) as TWorkerHeartbeat)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
