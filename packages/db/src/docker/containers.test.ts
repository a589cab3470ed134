import { describe, expect, it } from "vitest";
import { demuxDockerLogs } from "./containers";

const frame = (type: number, text: string) => {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
};

describe("demuxDockerLogs", () => {
  it("splits frames into lines per stream, joining frames that split a line", () => {
    const buf = Buffer.concat([
      frame(1, "hel"),
      frame(1, "lo\nworld\n"),
      frame(2, "oops\n"),
      frame(1, "end"),
    ]);
    expect(demuxDockerLogs(buf, false)).toEqual([
      { stream: "stdout", text: "hello" },
      { stream: "stdout", text: "world" },
      { stream: "stderr", text: "oops" },
      { stream: "stdout", text: "end" },
    ]);
  });

  it("treats TTY output as raw stdout", () => {
    expect(demuxDockerLogs(Buffer.from("a\r\nb\n"), true)).toEqual([
      { stream: "stdout", text: "a" },
      { stream: "stdout", text: "b" },
    ]);
  });
});
