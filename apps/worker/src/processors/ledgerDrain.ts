import { hostname } from "node:os";
import { effectivePrice, costPicoUsd } from "@aitk/core/usage/pricing";
import {
  LEDGER_BATCH_FIELD,
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

/**
 * Events of a read, in order, with the stream entry each came from (a batch entry holds several).
 * An entry whose text does not parse is dropped as a whole and reported; in a batch, bad lines are
 * dropped and counted while the good ones are kept.
 */
function parseEntries(entries: TEntry[]): {
  entryOf: string[];
  events: TUsageEvent[];
  invalid: string[];
  invalidLines: number;
} {
  const entryOf: string[] = [];
  const events: TUsageEvent[] = [];
  const invalid: string[] = [];
  let invalidLines = 0;
  const parse = (raw: string): TUsageEvent | null => {
    try {
      const r = ZUsageEvent.safeParse(JSON.parse(raw));
      return r.success ? r.data : null;
    } catch {
      return null;
    }
  };
  for (const [id, fields] of entries) {
    let one: string | undefined;
    let batch: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === LEDGER_FIELD) one = fields[i + 1];
      else if (fields[i] === LEDGER_BATCH_FIELD) batch = fields[i + 1];
    }
    const lines = one !== undefined ? [one] : batch !== undefined ? batch.split("\n").filter(Boolean) : [];
    if (lines.length === 0) invalidLines++;
    let kept = 0;
    for (const line of lines) {
      const e = parse(line);
      if (e) {
        entryOf.push(id);
        events.push(e);
        kept++;
      } else invalidLines++;
    }
    if (kept === 0) invalid.push(id);
  }
  return { entryOf, events, invalid, invalidLines };
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
/** Rows per INSERT: keeps one statement well under Postgres' 65,535 bind parameters. */
const INSERT_CHUNK = 1_000;

async function insert(
  prisma: TPrisma,
  events: TUsageEvent[],
): Promise<{ done: boolean[]; inserted: number }> {
  const done = events.map(() => false);
  let inserted = 0;
  for (let from = 0; from < events.length; from += INSERT_CHUNK) {
    const rows = await toRows(prisma, events.slice(from, from + INSERT_CHUNK));
    try {
      inserted += (await prisma.usageEvent.createMany({ data: rows, skipDuplicates: true })).count;
      for (let i = 0; i < rows.length; i++) done[from + i] = true;
    } catch {
      for (let i = 0; i < rows.length; i++) {
        try {
          inserted += (await prisma.usageEvent.createMany({ data: [rows[i]!], skipDuplicates: true })).count;
          done[from + i] = true;
        } catch (e) {
          if ((e as { code?: string }).code === "P2003" || String(e).includes("foreign key"))
            done[from + i] = true;
          else return { done, inserted };
        }
      }
    }
  }
  return { done, inserted };
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
    const { entryOf, events, invalid, invalidLines } = parseEntries(entries);
    result.read += events.length + invalidLines;
    result.invalid += invalidLines;
    if (invalid.length || invalidLines)
      opts.log?.("ledger: dropping malformed entries", { ids: invalid, lines: invalidLines });
    const { done, inserted } = await insert(prisma, events);
    result.inserted += inserted;
    // An entry is acknowledged only when every event it carries is stored.
    const pending = new Set<string>();
    for (let i = 0; i < events.length; i++) if (!done[i]) pending.add(entryOf[i]!);
    const stored = [...new Set(entryOf)].filter((id) => !pending.has(id));
    const ack = [...stored, ...invalid];
    if (ack.length) {
      await redis
        .multi()
        .xack(stream, group, ...ack)
        .xdel(stream, ...ack)
        .exec();
      result.acked += ack.length;
    }
    return pending.size === 0;
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
