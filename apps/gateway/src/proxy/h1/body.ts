/**
 * The body of an upstream response, with the two ways the gateway reads one: callbacks for a body it
 * buffers whole, async iteration for SSE it relays chunk by chunk. Not a Node stream: a Readable per
 * request was a visible share of the per-request cost. Backpressure: past 1 MiB queued and unread, the
 * connection is paused until the reader catches up.
 */

const HIGH_WATER = 1024 * 1024;

export type TBodyControl = { pause(): void; resume(): void; abort(err: Error): void };

export interface TUpstreamBody extends AsyncIterable<Buffer> {
  /** Single reader: every chunk, then end or error. */
  consume(data: (c: Buffer) => void, end: () => void, error: (e: Error) => void): void;
  /** Reads and discards the rest (so the connection can be reused). */
  dump(): Promise<void>;
  /** Stops reading: the connection is closed, not reused. */
  destroy(): void;
}

export class H1Body implements TUpstreamBody {
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private err: Error | null = null;
  private paused = false;
  private sink: { data: (c: Buffer) => void; end: () => void; error: (e: Error) => void } | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly ctl: TBodyControl) {}

  /** Producer side (the connection). */
  push(c: Buffer): void {
    if (this.sink) {
      this.sink.data(c);
      return;
    }
    this.queue.push(c);
    this.queued += c.length;
    if (this.queued > HIGH_WATER && !this.paused) {
      this.paused = true;
      this.ctl.pause();
    }
    this.notify();
  }

  end(): void {
    if (this.ended || this.err) return;
    this.ended = true;
    if (this.sink) this.sink.end();
    else this.notify();
  }

  fail(e: Error): void {
    if (this.ended || this.err) return;
    this.err = e;
    if (this.sink) this.sink.error(e);
    else this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  consume(data: (c: Buffer) => void, end: () => void, error: (e: Error) => void): void {
    for (const c of this.queue) data(c);
    this.queue = [];
    this.queued = 0;
    if (this.paused) {
      this.paused = false;
      this.ctl.resume();
    }
    if (this.err) {
      error(this.err);
      return;
    }
    if (this.ended) {
      end();
      return;
    }
    this.sink = { data, end, error };
  }

  dump(): Promise<void> {
    return new Promise((resolve) =>
      this.consume(
        () => {},
        resolve,
        () => resolve(),
      ),
    );
  }

  destroy(): void {
    if (this.ended || this.err) return;
    this.err = new Error("upstream body destroyed");
    this.ctl.abort(this.err);
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const c = this.queue.shift();
      if (c) {
        this.queued -= c.length;
        if (this.paused && this.queued < HIGH_WATER / 2) {
          this.paused = false;
          this.ctl.resume();
        }
        yield c;
        continue;
      }
      if (this.err) throw this.err;
      if (this.ended) return;
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
  }
}
