import { writeSync } from "node:fs";

/** Lines held while the descriptor refuses writes (a full pipe); beyond this they are dropped and counted. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** A turn that logs this much is written at once rather than at the end of the turn. */
const FLUSH_BYTES = 64 * 1024;
const RETRY_MS = 20;

/**
 * The gateway's log destination: lines written during one event-loop turn leave in one synchronous
 * write(2) at the end of that turn (setImmediate), so a request costs a string append, not a write.
 *
 * Why not pino's sonic-boom: its async mode hands every flush to the libuv threadpool, and waking that
 * thread cost the event loop 50–600 µs per flush under load here (the profile's largest item, more than
 * all socket writes); its sync mode sleeps 100 ms on EAGAIN. Here a full pipe (EAGAIN) never blocks: the
 * lines wait and are retried 20 ms later, and past 16 MiB new lines are dropped and counted instead of
 * growing memory without bound. Lines reach the descriptor within the same turn, so a crash loses
 * nothing already flushed and `tail -f` stays live.
 */
export class LogSink {
  private parts: string[] = [];
  /** Bytes a full descriptor refused, written first on the next try. */
  private head: Buffer | null = null;
  private bytes = 0;
  private scheduled = false;
  private retry: NodeJS.Timeout | undefined;
  /** Lines dropped because the descriptor stayed full. */
  dropped = 0;

  constructor(private readonly fd = 1) {}

  write(line: string): boolean {
    if (this.bytes > MAX_PENDING_BYTES) {
      this.dropped++;
      return true;
    }
    this.parts.push(line);
    this.bytes += line.length;
    if (this.bytes >= FLUSH_BYTES) this.flushSync();
    else if (!this.scheduled && !this.retry) {
      this.scheduled = true;
      setImmediate(this.onTurnEnd);
    }
    return true;
  }

  private readonly onTurnEnd = () => {
    this.scheduled = false;
    this.flushSync();
  };

  /** Writes everything pending now; what the descriptor refuses (EAGAIN) is retried shortly. */
  flushSync(): void {
    if (this.parts.length === 0 && !this.head) return;
    const text = this.parts.length > 0 ? this.parts.join("") : "";
    let buf = this.head;
    this.head = null;
    this.parts = [];
    this.bytes = 0;
    try {
      if (!buf) {
        // The usual case: the string goes out as it is. A Buffer of it (over 4 KiB: an ArrayBuffer of
        // its own, outside the V8 heap) per turn added to the external memory that brings mark-compacts.
        const n = writeSync(this.fd, text);
        if (n === Buffer.byteLength(text)) return;
        buf = Buffer.from(text).subarray(n);
      } else if (text) buf = Buffer.concat([buf, Buffer.from(text)]);
      while (buf.length > 0) buf = buf.subarray(writeSync(this.fd, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      // Kept as bytes: a partial write may have cut a UTF-8 sequence.
      this.head = buf ?? Buffer.from(text);
      this.bytes = this.head.length;
      this.retry ??= setTimeout(() => {
        this.retry = undefined;
        this.flushSync();
      }, RETRY_MS);
    }
  }

  /** pino calls this from logger.flush(cb). */
  flush(cb?: (err?: Error) => void): void {
    try {
      this.flushSync();
      cb?.();
    } catch (err) {
      cb?.(err as Error);
    }
  }
}
