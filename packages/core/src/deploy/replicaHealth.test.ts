import { describe, expect, it } from "vitest";
import { nextReplicaHealth } from "./replicaHealth";

const healthy = { status: "healthy" as const, lastError: null };
const down = { ok: false as const, reason: "container exited with code 137" };

describe("replica health hysteresis", () => {
  it("keeps a healthy replica healthy through one failed check, writes nothing", () => {
    expect(nextReplicaHealth(healthy, 0, { ok: true })).toMatchObject({ changed: false, failures: 0 });
    const v = nextReplicaHealth(healthy, 0, down);
    expect(v).toMatchObject({ status: "healthy", changed: false, failures: 1 });
    expect(v.endpointHealthy).toBeUndefined();
  });

  it("turns unhealthy on the second consecutive failure, endpoint out of routing", () => {
    expect(nextReplicaHealth(healthy, 1, down)).toEqual({
      status: "unhealthy",
      lastError: "container exited with code 137",
      failures: 2,
      changed: true,
      endpointHealthy: false,
      event: "unhealthy",
    });
  });

  it("stays unhealthy quietly, rewriting only a new reason", () => {
    const cur = { status: "unhealthy" as const, lastError: down.reason };
    expect(nextReplicaHealth(cur, 2, down)).toMatchObject({ changed: false, failures: 3 });
    expect(nextReplicaHealth(cur, 2, { ok: false, reason: "HTTP 503" })).toMatchObject({
      changed: true,
      lastError: "HTTP 503",
      status: "unhealthy",
    });
    expect(nextReplicaHealth(cur, 2, { ok: false, reason: "HTTP 503" }).endpointHealthy).toBeUndefined();
  });

  it("recovers on one passing check", () => {
    const cur = { status: "unhealthy" as const, lastError: down.reason };
    expect(nextReplicaHealth(cur, 5, { ok: true })).toEqual({
      status: "healthy",
      lastError: null,
      failures: 0,
      changed: true,
      endpointHealthy: true,
      event: "recovered",
    });
  });

  it("fails a replica whose container is gone (after the threshold)", () => {
    const gone = { ok: false as const, reason: "container removed", gone: true };
    expect(nextReplicaHealth(healthy, 0, gone)).toMatchObject({ changed: false });
    expect(nextReplicaHealth(healthy, 1, gone)).toMatchObject({
      status: "failed",
      endpointHealthy: false,
      event: "failed",
    });
  });

  it("honours another threshold and truncates long reasons", () => {
    expect(nextReplicaHealth(healthy, 0, down, 1).status).toBe("unhealthy");
    const v = nextReplicaHealth(healthy, 1, { ok: false, reason: "x".repeat(5000) });
    expect(v.lastError).toHaveLength(2000);
  });
});
