import { createEmulator } from "./server";

// `node apps/stripe-emulator/dist/main.js`: the Stripe emulator as a process, for the demo stack.
// Settings (read here only): STRIPE_EMULATOR_PORT (12111), STRIPE_SECRET_KEY (the key clients must send),
// STRIPE_EMULATOR_STATE (state file), STRIPE_WEBHOOK_URL + STRIPE_WEBHOOK_SECRET (webhook forwarding).
const env = process.env;
const secretKey = env.STRIPE_SECRET_KEY;
if (!secretKey?.startsWith("sk_")) {
  console.error("stripe-emulator: STRIPE_SECRET_KEY must be set to an sk_… key that clients will send");
  process.exit(2);
}
const emulator = createEmulator({
  secretKey,
  statePath: env.STRIPE_EMULATOR_STATE || undefined,
  webhook:
    env.STRIPE_WEBHOOK_URL && env.STRIPE_WEBHOOK_SECRET
      ? { url: env.STRIPE_WEBHOOK_URL, secret: env.STRIPE_WEBHOOK_SECRET }
      : undefined,
});
const port = await emulator.listen(Number(env.STRIPE_EMULATOR_PORT ?? 12111));
console.log(JSON.stringify({ level: "info", msg: "stripe emulator listening", port }));
const stop = () => void emulator.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
