import { describe, expect, it } from "vitest";
import { Pool, QueueFullError } from "./pool";

describe("Pool", () => {
  it("hands out free items, then queues FIFO", async () => {
    const pool = new Pool(["a"], 2);
    const first = await pool.acquire();
    const order: string[] = [];
    const w1 = pool.acquire().then((x) => order.push(`1:${x}`));
    const w2 = pool.acquire().then((x) => order.push(`2:${x}`));
    expect(pool.queued).toBe(2);
    await expect(pool.acquire()).rejects.toBeInstanceOf(QueueFullError);
    pool.release(first);
    await w1;
    pool.release("a");
    await w2;
    expect(order).toEqual(["1:a", "2:a"]);
  });

  it("drops a waiter whose request is aborted", async () => {
    const pool = new Pool(["a"], 5);
    await pool.acquire();
    const ac = new AbortController();
    const waiting = pool.acquire(ac.signal);
    ac.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(pool.queued).toBe(0);
    pool.release("a");
    expect(pool.available).toBe(1);
  });

  it("releases after use, also on errors", async () => {
    const pool = new Pool([1], 0);
    await expect(pool.use(undefined, async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await pool.use(undefined, async (n) => n + 1)).toBe(2);
    expect(pool.available).toBe(1);
  });
});
