import { hostname } from "node:os";
import { effectivePrice, costPicoUsd } from "@aitk/core/usage/pricing";
import {
  LEDGER_FIELD,
  LEDGER_GROUP,
  LEDGER_STREAM,
  ZUsageEvent,
  type TUsageEvent,
} from "@aitk/core/usage/event";
import type { TPrisma } from "@aitk/db";
import type { Redis } from "ioredis";

export type TDrainOptions = {
  prisma: TPrisma;
  redis: Redis;
  /** Stream name (default `aitk:ledger`; tests pass a prefixed one). */
  stream?: string;
  group?: string;
  consumer?: string;
  batchSize?: number;
  /** Stop reading new entries after this long (the job runs every 2 s). */
  maxMs?: number;
  /** Entries pending this long on any consumer (a dead worker) are claimed by this one. */
  claimIdleMs?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
};

export type TDrainResult = {
  read: number;
  inserted: number;
  acked: number;
  invalid: number;
  claimed: number;
};

type TEntry = [id: string, fields: string[]];

async function ensureGroup(redis: Redis, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup("CREATE", stream, group, "0", "MKSTREAM");
  } catch (e) {
    if (!String(e).includes("BUSYGROUP")) throw e;
  }
}

function parseEntries(entries: TEntry[]): { ids: string[]; events: TUsageEvent[]; invalid: string[] } {
  const ids: string[] = [];
  const events: TUsageEvent[] = [];
  const invalid: string[] = [];
  for (const [id, fields] of entries) {
    let raw: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === LEDGER_FIELD) raw = fields[i + 1];
    let parsed: ReturnType<typeof ZUsageEvent.safeParse> | null = null;
    try {
      parsed = raw ? ZUsageEvent.safeParse(JSON.parse(raw)) : null;
    } catch {
      parsed = null;
    }
    if (parsed?.success) {
      ids.push(id);
      events.push(parsed.data);
    } else invalid.push(id);
  }
  return { ids, events, invalid };
}

async function toRows(prisma: TPrisma, events: TUsageEvent[]) {
  const models = [...new Set(events.map((e) => e.model))];
  const prices = await prisma.price.findMany({ where: { model: { in: [...models, "*"] } } });
  return events.map((e) => {
    const at = new Date(e.ts);
    const price = effectivePrice(prices, e.orgId, e.model, at);
    return {
      requestId: e.requestId,
      orgId: e.orgId,
      apiKeyId: e.apiKeyId,
      model: e.model,
      endpoint: e.endpoint,
      status: e.status,
      outcome: e.outcome,
      promptTokens: e.promptTokens,
      completionTokens: e.completionTokens,
      ttftMs: e.ttftMs,
      durationMs: e.durationMs,
      // Failed and refused requests cost nothing; the per-request fee applies to served ones.
      costPicoUsd:
        price && e.outcome !== "rate_limited"
          ? costPicoUsd(
              e.promptTokens,
              e.completionTokens,
              e.outcome === "ok" ? price : { ...price, requestMicroUsd: 0 },
            )
          : 0n,
      upstream: e.upstream,
      createdAt: at,
    };
  });
}

/**
 * Inserts a batch idempotently (ON CONFLICT (requestId) DO NOTHING via skipDuplicates). If the batch
 * fails (e.g. an event of a deleted org violates the foreign key), rows go one by one: FK failures are
 * dropped (the org is gone), anything else leaves the rest pending for the next run.
 */
async function insert(
  prisma: TPrisma,
  ids: string[],
  events: TUsageEvent[],
): Promise<{ done: string[]; inserted: number }> {
  if (events.length === 0) return { done: [], inserted: 0 };
  const rows = await toRows(prisma, events);
  try {
    const r = await prisma.usageEvent.createMany({ data: rows, skipDuplicates: true });
    return { done: ids, inserted: r.count };
  } catch {
    const done: string[] = [];
    let inserted = 0;
    for (let i = 0; i < rows.length; i++) {
      try {
        inserted += (await prisma.usageEvent.createMany({ data: [rows[i]!], skipDuplicates: true })).count;
        done.push(ids[i]!);
      } catch (e) {
        if ((e as { code?: string }).code === "P2003" || String(e).includes("foreign key"))
          done.push(ids[i]!);
        else break;
      }
    }
    return { done, inserted };
  }
}

/**
 * Drains the gateway's write-ahead ledger stream into UsageEvent: claims entries left pending by dead
 * consumers (XAUTOCLAIM), then reads new ones (XREADGROUP), inserts each batch in one statement and
 * XACKs + XDELs only after the insert committed. A crash between insert and ack re-delivers the batch,
 * which the requestId primary key turns into a no-op.
 */
export async function drainLedger(opts: TDrainOptions): Promise<TDrainResult> {
  const { prisma, redis } = opts;
  const stream = opts.stream ?? LEDGER_STREAM;
  const group = opts.group ?? LEDGER_GROUP;
  const consumer = opts.consumer ?? `${hostname()}-${process.pid}`;
  const batch = opts.batchSize ?? 500;
  const deadline = Date.now() + (opts.maxMs ?? 1_500);
  const result: TDrainResult = { read: 0, inserted: 0, acked: 0, invalid: 0, claimed: 0 };
  await ensureGroup(redis, stream, group);

  const handle = async (entries: TEntry[]) => {
    const { ids, events, invalid } = parseEntries(entries);
    result.read += entries.length;
    result.invalid += invalid.length;
    if (invalid.length) opts.log?.("ledger: dropping malformed entries", { ids: invalid });
    const { done, inserted } = await insert(prisma, ids, events);
    result.inserted += inserted;
    const ack = [...done, ...invalid];
    if (ack.length) {
      await redis
        .multi()
        .xack(stream, group, ...ack)
        .xdel(stream, ...ack)
        .exec();
      result.acked += ack.length;
    }
    return done.length === ids.length;
  };

  // Entries a crashed consumer read but never acknowledged.
  let cursor = "0-0";
  do {
    const r = (await redis.xautoclaim(
      stream,
      group,
      consumer,
      opts.claimIdleMs ?? 30_000,
      cursor,
      "COUNT",
      batch,
    )) as [string, TEntry[], string[]?];
    cursor = r[0];
    const entries = r[1].filter((e) => e && Array.isArray(e[1]));
    result.claimed += entries.length;
    if (entries.length && !(await handle(entries))) return result;
  } while (cursor !== "0-0" && Date.now() < deadline);

  while (Date.now() < deadline) {
    const r = (await redis.xreadgroup("GROUP", group, consumer, "COUNT", batch, "STREAMS", stream, ">")) as
      | [string, TEntry[]][]
      | null;
    const entries = r?.[0]?.[1] ?? [];
    if (entries.length === 0) break;
    if (!(await handle(entries))) break;
  }
  return result;
}
