// The only module of the web app that reads process.env: validated once, on first use (not at import,
// so `next build` does not need runtime secrets), and frozen.
import { createHash } from "node:crypto";
import { z } from "zod";

const ZHexKey = z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (a 32-byte AES-256 key)");

const ZEnv = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/aitk"),
    REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
    AITK_SECRET_KEY: ZHexKey.optional(),
    NEXTAUTH_SECRET: z.string().min(16).optional(),
    NEXTAUTH_URL: z.string().url().optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    AITK_QUEUE_PREFIX: z.string().min(1).default("aitk"),
    DOCKER_SOCKET: z.string().min(1).default("/var/run/docker.sock"),
    RATE_LIMIT_FAIL_MODE: z.enum(["open", "closed"]).default("open"),
    // Shown on the Gateway page and in the API docs; the gateway itself is a separate process.
    GATEWAY_PUBLIC_URL: z.string().url().default("http://127.0.0.1:4000"),
    // Whether organizations may register this machine's own Docker engine (unix socket or a loopback
    // address). Handy on a single-team install; set false where tenants must not reach the control
    // plane's engine (it is root on this machine).
    AITK_ALLOW_LOCAL_HOSTS: z
      .enum(["true", "false", "1", "0"])
      .default("true")
      .transform((v) => v === "true" || v === "1"),
    // Outgoing mail for invites. Without it the invite link is shown to the admin instead.
    SMTP_URL: z.string().url().optional(),
    // Stripe metering and billing; off when STRIPE_SECRET_KEY is unset (costs are still shown).
    STRIPE_SECRET_KEY: z.string().optional(),
    STRIPE_API_BASE: z.string().url().optional(),
    STRIPE_WEBHOOK_SECRET: z.string().optional(),
  })
  .superRefine((e, ctx) => {
    if (e.NODE_ENV === "production" && !e.AITK_SECRET_KEY) {
      ctx.addIssue({ code: "custom", path: ["AITK_SECRET_KEY"], message: "is required in production" });
    }
  });

export type TEnv = Omit<z.infer<typeof ZEnv>, "AITK_SECRET_KEY" | "NEXTAUTH_SECRET"> & {
  AITK_SECRET_KEY: string;
  NEXTAUTH_SECRET: string;
  /** True when AITK_SECRET_KEY was not set and a fixed development key is in use. */
  usingDevSecretKey: boolean;
};

// Development-only fallback so `next dev` and tests run without setup; production refuses to boot without one.
const DEV_SECRET_KEY = "0".repeat(63) + "1";

let cached: TEnv | undefined;

export function getEnv(): TEnv {
  if (cached) return cached;
  const parsed = ZEnv.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment for @aitk/web:\n${lines}`);
  }
  const e = parsed.data;
  const secretKey = e.AITK_SECRET_KEY ?? DEV_SECRET_KEY;
  // next-auth needs a secret; deriving it from the at-rest key keeps the number of secrets an operator
  // must manage at one, while still allowing an explicit NEXTAUTH_SECRET.
  const nextAuthSecret =
    e.NEXTAUTH_SECRET ?? createHash("sha256").update(`nextauth:${secretKey}`).digest("hex");
  cached = Object.freeze({
    ...e,
    AITK_SECRET_KEY: secretKey.toLowerCase(),
    NEXTAUTH_SECRET: nextAuthSecret,
    usingDevSecretKey: !e.AITK_SECRET_KEY,
  });
  return cached;
}
