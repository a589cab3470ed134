import { loadEnv, type TEmulatorEnv } from "./env";
import { createEmulator } from "./server";

// `node apps/stripe-emulator/dist/main.js`: the Stripe emulator as a process, for the demo stack.
// Settings: STRIPE_EMULATOR_PORT (12111), STRIPE_SECRET_KEY (the key clients must send),
// STRIPE_EMULATOR_STATE (state file), STRIPE_WEBHOOK_URL + STRIPE_WEBHOOK_SECRET (webhook forwarding).
let env: TEmulatorEnv;
try {
  env = loadEnv();
} catch (e) {
  console.error(`stripe-emulator: ${(e as Error).message}`);
  process.exit(2);
}
const emulator = createEmulator({ secretKey: env.secretKey, statePath: env.statePath, webhook: env.webhook });
const port = await emulator.listen(env.port);
console.log(JSON.stringify({ level: "info", msg: "stripe emulator listening", port }));
const stop = () => void emulator.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
