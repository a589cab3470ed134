import { decryptSecret } from "@aitk/core/crypto/secrets";
import { loadEnv } from "./env";
import { createLogger } from "./obs/log";
import { createGateway } from "./server";

const env = loadEnv();
const log = createLogger(env.LOG_LEVEL);
const secretKey = env.AITK_SECRET_KEY;
const gateway = await createGateway(env, {
  log,
  decrypt: secretKey ? (enc) => decryptSecret(enc, secretKey) : null,
});
const port = await gateway.listen();
log.info({ port, host: env.GATEWAY_HOST, failMode: env.RATE_LIMIT_FAIL_MODE }, "gateway listening");
// Logs are buffered; the start line must come out now (scripts wait for it).
log.flush();

let closing = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (closing) return;
    closing = true;
    log.info({ sig }, "gateway shutting down");
    const exit = (code: number) => log.flush(() => process.exit(code));
    gateway.close().then(
      () => exit(0),
      () => exit(1),
    );
    setTimeout(() => process.exit(1), 10_000).unref();
  });
}
