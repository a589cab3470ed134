import { describe, expect, it } from "vitest";
import { TickBatcher } from "./tickBatch";

describe("TickBatcher", () => {
  it("runs the calls of one event-loop turn as one batch and answers each in order", async () => {
    const batches: number[][] = [];
    const b = new TickBatcher<number, string>(async (xs) => {
      batches.push(xs);
      return xs.map((x) => `r${x}`);
    });
    const first = await Promise.all([b.add(1), b.add(2), b.add(3)]);
    expect(first).toEqual(["r1", "r2", "r3"]);
    const second = await b.add(4);
    expect(second).toBe("r4");
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("rejects every call of a failed batch, and later batches still run", async () => {
    let fail = true;
    const b = new TickBatcher<number, number>(async (xs) => {
      if (fail) throw new Error("redis down");
      return xs;
    });
    const r = await Promise.allSettled([b.add(1), b.add(2)]);
    expect(r.map((x) => x.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await b.add(3)).toBe(3);
  });

  it("flushes at once when a batch reaches its maximum size", async () => {
    const sizes: number[] = [];
    const b = new TickBatcher<number, number>(async (xs) => {
      sizes.push(xs.length);
      return xs;
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.add(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it("rejects the batch's calls when run throws synchronously, instead of ending the process", async () => {
    const b = new TickBatcher<number, number>((): Promise<number[]> => {
      throw new Error("bad arguments");
    });
    await expect(b.add(1)).rejects.toThrow("bad arguments");
  });
});
