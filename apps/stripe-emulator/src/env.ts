// The emulator process's only read of the environment, checked once at start.
export type TEmulatorEnv = {
  port: number;
  secretKey: string;
  statePath: string | undefined;
  webhook: { url: string; secret: string } | undefined;
};

export function loadEnv(env: NodeJS.ProcessEnv = process.env): TEmulatorEnv {
  const secretKey = env.STRIPE_SECRET_KEY ?? "";
  if (!secretKey.startsWith("sk_")) {
    throw new Error("STRIPE_SECRET_KEY must be set to an sk_… key that clients will send");
  }
  const port = Number(env.STRIPE_EMULATOR_PORT ?? 12111);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error("STRIPE_EMULATOR_PORT must be a port number");
  return {
    port,
    secretKey,
    statePath: env.STRIPE_EMULATOR_STATE || undefined,
    webhook:
      env.STRIPE_WEBHOOK_URL && env.STRIPE_WEBHOOK_SECRET
        ? { url: env.STRIPE_WEBHOOK_URL, secret: env.STRIPE_WEBHOOK_SECRET }
        : undefined,
  };
}
