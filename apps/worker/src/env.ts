// The only place the worker reads process.env: validated once at boot, then passed around as config.
import { z } from "zod";

const ZBool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

export const ZWorkerEnv = z.object({
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/aitk"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  AITK_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "AITK_SECRET_KEY must be 64 hex characters")
    .optional(),
  AITK_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, "AITK_QUEUE_PREFIX may hold letters, digits, _ . -")
    .default("aitk"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  DOCKER_SOCKET: z.string().default("/var/run/docker.sock"),
  /** Comma-separated job kinds this process runs (default: every kind with a processor). */
  WORKER_KINDS: z.string().optional(),
  /** Register repeatable schedules (host.healthAll, ledger.drain, …) at boot. */
  WORKER_SCHEDULES: ZBool.default(true),
  /** How long SIGTERM waits for running jobs before releasing them back to the queue. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
  /**
   * A running job's lock lasts this long and is renewed at half of it; a worker that dies (kill -9,
   * lost host) holds its jobs at most this long before another worker takes them over.
   */
  WORKER_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** How often each worker looks for jobs whose lock expired. */
  WORKER_STALLED_CHECK_MS: z.coerce.number().int().min(200).max(600_000).default(30_000),
  /** Stripe metering (billing.sync / billing.reconcile); off when unset — costs are still computed. */
  STRIPE_SECRET_KEY: z.string().optional(),
  /** Stripe API base, e.g. http://127.0.0.1:12111 for the emulator (default https://api.stripe.com). */
  STRIPE_API_BASE: z.string().url().optional(),
});

export type TWorkerEnv = z.infer<typeof ZWorkerEnv>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): TWorkerEnv {
  const res = ZWorkerEnv.safeParse(source);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid worker environment:\n${lines.join("\n")}`);
  }
  return res.data;
}
