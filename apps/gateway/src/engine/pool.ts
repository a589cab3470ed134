// A fixed set of slots (llama.cpp context sequences) handed out first-come first-served.
// Waiters leave the queue when their request is aborted; a full queue is refused at once.

export class QueueFullError extends Error {
  constructor(readonly limit: number) {
    super(`the engine queue is full (${limit} requests waiting)`);
  }
}

export class Pool<T> {
  private free: T[];
  readonly size: number;
  private waiters: {
    resolve: (item: T) => void;
    reject: (e: unknown) => void;
    signal?: AbortSignal;
    onAbort: () => void;
  }[] = [];

  constructor(
    items: T[],
    private readonly maxQueue: number,
  ) {
    this.free = [...items];
    this.size = items.length;
  }

  get available() {
    return this.free.length;
  }
  get queued() {
    return this.waiters.length;
  }

  acquire(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
    if (this.waiters.length >= this.maxQueue) return Promise.reject(new QueueFullError(this.maxQueue));
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(item: T) {
    const next = this.waiters.shift();
    if (!next) {
      this.free.push(item);
      return;
    }
    next.signal?.removeEventListener("abort", next.onAbort);
    next.resolve(item);
  }

  async use<R>(signal: AbortSignal | undefined, fn: (item: T) => Promise<R>): Promise<R> {
    const item = await this.acquire(signal);
    try {
      return await fn(item);
    } finally {
      this.release(item);
    }
  }
}
