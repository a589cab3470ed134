import { appendFileSync, mkdirSync, readFileSync, renameSync, unlinkSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { LEDGER_FIELD, LEDGER_STREAM, type TUsageEvent } from "@aitk/core/usage/event";
import type { TRedis } from "@aitk/db";
import type { TLogger } from "../obs/log";

/**
 * Write-ahead ledger: each finished request's usage event is XADDed to `aitk:ledger` before the response
 * is finished, so an acknowledged response always has its event stored even if this process is killed
 * right after. When Redis cannot take it, the event goes to a local append-only spool file (synchronous
 * write) that is replayed into the stream once Redis answers again. The worker's drain inserts rows
 * idempotently on requestId, so a replayed duplicate is harmless.
 */
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
  }

  async write(e: TUsageEvent): Promise<void> {
    const json = JSON.stringify(e);
    try {
      await this.redis.xadd(this.stream, "*", LEDGER_FIELD, json);
    } catch (err) {
      this.spool(json, err);
    }
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
