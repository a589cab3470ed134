import { describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { jobDefinitions, jobNames } from "./definitions";
import { assertJobName, parseJobPayload } from "./payload";

describe("job definitions", () => {
  it("names every definition by its key and keeps retry policies sane", () => {
    for (const name of jobNames) {
      const d = jobDefinitions[name];
      expect(d.name).toBe(name);
      expect(d.attempts).toBeGreaterThanOrEqual(1);
      expect(d.backoff.delay).toBeGreaterThan(0);
      if (d.scope === "system") expect(d.everyMs).toBeGreaterThan(0);
    }
  });

  it("applies defaults and rejects bad payloads naming the field", () => {
    expect(parseJobPayload("demo.run", { orgId: "o1" })).toMatchObject({ orgId: "o1", steps: 5 });
    try {
      parseJobPayload("host.health", { orgId: "o1" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).details.field).toBe("payload.hostId");
      expect((e as DomainError).message).toContain("payload.hostId");
    }
  });

  it("rejects unknown kinds listing the valid ones", () => {
    expect(() => assertJobName("nope")).toThrow(/unknown job kind "nope"/);
    try {
      assertJobName("nope");
    } catch (e) {
      expect((e as DomainError).details.choices).toContain("build.run");
    }
    expect(assertJobName("build.run")).toBe("build.run");
  });
});

// Compile-time: scopes stay literal so producers can only enqueue org jobs.
const _org: import("./definitions").TOrgJobName = "build.run";
const _sys: import("./definitions").TSystemJobName = "ledger.drain";
void _org;
void _sys;
