import { describe, expect, it } from "vitest";
import { BuildStreamParser, type TBuildEvent } from "./dockerStream";

const lines = (...objs: unknown[]) => `${objs.map((o) => JSON.stringify(o)).join("\r\n")}\r\n`;

describe("Docker build stream parser", () => {
  it("reads steps, logs and the image id across arbitrary chunk boundaries", () => {
    const raw = lines(
      { stream: "Step 1/3 : FROM scratch AS weights" },
      { stream: "\n" },
      { stream: " ---> \n" },
      { stream: "Step 2/3 : COPY model /models/model\n" },
      { stream: " ---> 5d3a0c1e2f3a\n" },
      { stream: 'Step 3/3 : CMD ["x"]\n ---> Running in 0123456789ab\n' },
      { aux: { ID: "sha256:abcdef" } },
      { stream: "Successfully built abcdef123456\n" },
    );
    const p = new BuildStreamParser();
    const events: TBuildEvent[] = [];
    for (let i = 0; i < raw.length; i += 7) events.push(...p.push(raw.slice(i, i + 7)));
    events.push(...p.end());
    expect(events.filter((e) => e.type === "step")).toEqual([
      { type: "step", index: 1, total: 3, instruction: "FROM scratch AS weights" },
      { type: "step", index: 2, total: 3, instruction: "COPY model /models/model" },
      { type: "step", index: 3, total: 3, instruction: 'CMD ["x"]' },
    ]);
    expect(events).toContainEqual({ type: "image", id: "sha256:abcdef" });
    expect(events).toContainEqual({ type: "log", text: " ---> Running in 0123456789ab" });
    expect(p.state.imageId).toBe("sha256:abcdef");
  });

  it("reports the failing step", () => {
    const p = new BuildStreamParser();
    const ev = p.push(
      lines(
        { stream: "Step 4/9 : RUN false\n" },
        {
          errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" },
          error: "x",
        },
      ),
    );
    expect(ev.at(-1)).toEqual({
      type: "error",
      message: "The command '/bin/sh -c false' returned a non-zero code: 1",
      step: "Step 4/9 : RUN false",
    });
    expect(p.state.error?.step).toBe("Step 4/9 : RUN false");
  });

  it("keeps non-JSON lines and pull status as logs, and the legacy 'Successfully built' id", () => {
    const p = new BuildStreamParser();
    const ev = [
      ...p.push("plain text\n"),
      ...p.push(
        lines(
          { status: "Pulling", id: "abc", progress: "[=> ]" },
          { stream: "Successfully built 0123456789ab\n" },
        ),
      ),
      ...p.end(),
    ];
    expect(ev[0]).toEqual({ type: "log", text: "plain text" });
    expect(ev[1]).toEqual({ type: "log", text: "abc Pulling [=> ]" });
    expect(p.state.imageId).toBe("0123456789ab");
  });
});
