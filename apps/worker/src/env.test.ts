import { describe, expect, it } from "vitest";
import { loadEnv } from "./env";

describe("worker env", () => {
  it("applies defaults", () => {
    const env = loadEnv({});
    expect(env).toMatchObject({ AITK_QUEUE_PREFIX: "aitk", WORKER_SCHEDULES: true, LOG_LEVEL: "info" });
    expect(loadEnv({ WORKER_SCHEDULES: "false" }).WORKER_SCHEDULES).toBe(false);
  });

  it("names every bad variable", () => {
    const run = () => loadEnv({ AITK_SECRET_KEY: "short", REDIS_URL: "nope" });
    expect(run).toThrow(/REDIS_URL: Invalid URL/);
    expect(run).toThrow(/AITK_SECRET_KEY: AITK_SECRET_KEY must be 64 hex characters/);
  });
});
