import { appendFileSync, mkdirSync, readFileSync, renameSync, unlinkSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { LEDGER_BATCH_FIELD, LEDGER_FIELD, LEDGER_STREAM, type TUsageEvent } from "@aitk/core/usage/event";
import type { TRedis } from "@aitk/db";
import type { TLogger } from "../obs/log";
import { TickBatcher } from "../redis/tickBatch";
import type { LedgerWal } from "./wal";

/**
 * Write-ahead ledger: each finished request's usage event is XADDed to `aitk:ledger` before the response
 * is finished, so an acknowledged response always has its event stored even if this process is killed
 * right after. When Redis cannot take it, the event goes to a local append-only spool file (synchronous
 * write) that is replayed into the stream once Redis answers again. The worker's drain inserts rows
 * idempotently on requestId, so a replayed duplicate is harmless.
 */
/**
 * XADD of the events plus the token reconciliations of the rate limiter in one script, so finishing the
 * requests of one event-loop turn costs one Redis command. One event is an entry with field `e`, several
 * one entry with field `b` (newline-separated; the drain splits it). KEYS[1] = stream, KEYS[2..] =
 * token counters to adjust (only if their window still exists); ARGV = field, payload, then one delta
 * per counter key.
 */
const LEDGER_ADD_SCRIPT = `
redis.call('XADD', KEYS[1], '*', ARGV[1], ARGV[2])
for i = 2, #KEYS do
  local d = tonumber(ARGV[i + 1])
  if d ~= 0 and redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], d) end
end
return 1
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    aitkLedgerAdd(...args: (string | number)[]): import("ioredis").Result<number, Context>;
  }
}

/** Token counters to correct by `delta` when the event is written (see RateLimiter.reconcileArgs). */
export type TTokenAdjust = { keys: string[]; delta: number } | null;

const noop = () => {};

export class LedgerWriter {
  readonly stream: string;
  private replaying = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: TRedis,
    prefix: string,
    private readonly spoolPath: string,
    private readonly log: TLogger,
    private readonly onSpool: () => void = () => {},
  ) {
    this.stream = prefix + LEDGER_STREAM;
    redis.defineCommand("aitkLedgerAdd", { lua: LEDGER_ADD_SCRIPT });
  }

  /** Set when GATEWAY_LEDGER_WAL=file: the write-ahead step is a local append, shipped in batches. */
  wal: LedgerWal | null = null;

  readonly batch = new TickBatcher<{ json: string; adjust: TTokenAdjust }, undefined>((items) =>
    this.runBatch(items),
  );

  /** One XADD (+ reconciliations) for every event of the turn; on failure all of them go to the spool. */
  private async runBatch(items: { json: string; adjust: TTokenAdjust }[]): Promise<undefined[]> {
    const deltas = new Map<string, number>();
    for (const { adjust } of items) {
      if (!adjust || adjust.delta === 0) continue;
      for (const k of adjust.keys) deltas.set(k, (deltas.get(k) ?? 0) + adjust.delta);
    }
    const single = items.length === 1;
    const payload = single ? items[0]!.json : items.map((i) => i.json).join("\n");
    try {
      await this.redis.aitkLedgerAdd(
        1 + deltas.size,
        this.stream,
        ...deltas.keys(),
        single ? LEDGER_FIELD : LEDGER_BATCH_FIELD,
        payload,
        ...deltas.values(),
      );
    } catch (err) {
      for (const i of items) this.spool(i.json, err);
    }
    return new Array<undefined>(items.length);
  }

  /** Synchronous (undefined) when the event went to the file WAL; else a promise of the batched XADD. */
  write(e: TUsageEvent, adjust: TTokenAdjust = null): Promise<void> | undefined {
    const json = JSON.stringify(e);
    if (this.wal) {
      try {
        this.wal.append(json);
        // Token reconciliation need not precede the response: batched by the shipper.
        if (adjust && adjust.delta !== 0 && adjust.keys.length > 0)
          this.wal.addAdjust(adjust.keys, adjust.delta);
        return;
      } catch (err) {
        this.log.warn({ err: String(err) }, "ledger WAL append failed; writing to redis");
      }
    }
    return this.batch.add({ json, adjust }).then(noop);
  }

  private spool(json: string, err: unknown): void {
    try {
      mkdirSync(dirname(this.spoolPath), { recursive: true });
      appendFileSync(this.spoolPath, json + "\n");
      this.onSpool();
      this.log.warn({ err: String(err) }, "ledger event spooled locally (redis unavailable)");
    } catch (e2) {
      this.log.error({ err: String(e2), event: json }, "ledger event could not be stored");
    }
  }

  /** Replays the spool into the stream every few seconds while one exists. */
  startReplay(intervalMs = 5_000): void {
    this.timer = setInterval(() => void this.replay(), intervalMs);
    this.timer.unref();
    void this.replay();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async replay(): Promise<number> {
    if (this.replaying || !existsSync(this.spoolPath)) return 0;
    this.replaying = true;
    const work = `${this.spoolPath}.${process.pid}.replay`;
    try {
      renameSync(this.spoolPath, work);
      const lines = readFileSync(work, "utf8").split("\n").filter(Boolean);
      const pipe = this.redis.pipeline();
      for (const l of lines) pipe.xadd(this.stream, "*", LEDGER_FIELD, l);
      const results = await pipe.exec();
      const failed = results?.some(([e]) => e) ?? true;
      if (failed) throw new Error("xadd failed during replay");
      unlinkSync(work);
      this.log.info({ events: lines.length }, "ledger spool replayed");
      return lines.length;
    } catch (err) {
      // Put the events back for the next attempt (duplicates are dropped by the drain).
      try {
        if (existsSync(work)) appendFileSync(this.spoolPath, readFileSync(work));
        if (existsSync(work)) unlinkSync(work);
      } catch {}
      this.log.warn({ err: String(err) }, "ledger spool replay failed");
      return 0;
    } finally {
      this.replaying = false;
    }
  }
}
