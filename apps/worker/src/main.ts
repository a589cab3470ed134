// Worker process: validates the environment, starts the job workers and schedules, and shuts down
// cleanly on SIGTERM/SIGINT (running jobs finish, or go back to the queue after the grace period).
import { createPrisma } from "@aitk/db";
import { loadEnv } from "./env";
import { createLogger } from "./logger";
import { startWorker } from "./runtime/startWorker";

async function main() {
  let config: ReturnType<typeof loadEnv>;
  try {
    config = loadEnv();
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL);
  // Prisma's own stderr logging is off: errors reach pino through the code that caught them.
  const prisma = createPrisma(config.DATABASE_URL, { log: [] });
  const handle = await startWorker({ prisma, config, logger });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping");
    handle
      .close()
      .then(() => prisma.$disconnect())
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled rejection"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
