import { defineConfig } from "vitest/config";

// Two projects: fast pure unit tests beside the code, and integration tests against the real
// Postgres, Redis and dockerd that scripts/test.sh makes sure are running.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts", "test/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Integration suites share one database and Redis; files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
