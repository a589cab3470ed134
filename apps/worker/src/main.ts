// Worker process: validates the environment, starts the job workers and schedules, and shuts down
// cleanly on SIGTERM/SIGINT (running jobs finish, or go back to the queue after the grace period).
import { createPrisma } from "@aitk/db";
import { loadEnv } from "./env";
import { createLogger } from "./logger";
import { startWorker, type TWorkerHandle } from "./runtime/startWorker";

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

  // Signals are handled from the first moment: one arriving during start-up stops the worker as soon
  // as it is up, instead of killing the process halfway through registering schedules.
  let handle: TWorkerHandle | null = null;
  let stopping = false;
  const shutdown = () => {
    (handle ? handle.close() : Promise.resolve())
      .then(() => prisma.$disconnect())
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  };
  const onSignal = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping");
    if (handle) shutdown();
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled rejection"));

  logger.info({ prefix: config.AITK_QUEUE_PREFIX }, "starting");
  handle = await startWorker({ prisma, config, logger });
  if (stopping) shutdown();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
