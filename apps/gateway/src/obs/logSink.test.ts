import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "./log";
import { LogSink } from "./logSink";

const dir = mkdtempSync(join(tmpdir(), "aitk-logsink-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const turn = () => new Promise((r) => setImmediate(r));

describe("LogSink", () => {
  it("writes the lines of one event-loop turn together at the end of the turn, in order", async () => {
    const file = join(dir, "a.log");
    const fd = openSync(file, "w");
    const sink = new LogSink(fd);
    for (let i = 0; i < 5; i++) sink.write(`{"n":${i}}\n`);
    expect(readFileSync(file, "utf8")).toBe("");
    await turn();
    expect(
      readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).n),
    ).toEqual([0, 1, 2, 3, 4]);
    closeSync(fd);
  });

  it("serves as pino's destination, flush included", async () => {
    const file = join(dir, "b.log");
    const fd = openSync(file, "w");
    const log = createLogger("info", new LogSink(fd));
    log.info({ detail: "mail a@example.com" }, "hello");
    await new Promise<void>((r) => log.flush(() => r()));
    const line = JSON.parse(readFileSync(file, "utf8"));
    expect(line.msg).toBe("hello");
    expect(line.detail).not.toContain("a@example.com");
    closeSync(fd);
  });

  it("a full pipe never blocks: lines wait and arrive complete and in order once it drains", async () => {
    const out = join(dir, "c.log");
    // The reader starts late, so the pipe (64 KiB) fills and write(2) answers EAGAIN meanwhile.
    const child = spawn("sh", ["-c", `sleep 0.3; cat > ${out}`], { stdio: ["pipe", "ignore", "ignore"] });
    const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const sink = new LogSink(fd);
    const lines = Array.from({ length: 3000 }, (_, i) => `{"n":${i},"pad":"${"é".repeat(40)}"}\n`);
    const t = performance.now();
    for (const l of lines) sink.write(l);
    await turn();
    expect(performance.now() - t).toBeLessThan(250); // did not wait for the reader
    for (
      let i = 0;
      i < 100 && readFileSync(out, { flag: "a+" }).length < Buffer.byteLength(lines.join(""));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.stdin!.end();
    await new Promise((r) => child.once("exit", r));
    expect(readFileSync(out, "utf8")).toBe(lines.join(""));
    expect(sink.dropped).toBe(0);
  });
});
