import { loadEnv, type TK8sEmulatorEnv } from "./env";
import { createK8sEmulator } from "./server";

// The Kubernetes API emulator as a process: K8S_EMULATOR_PORT (16443), K8S_EMULATOR_TOKEN (bearer token
// clients must send; none when unset), K8S_EMULATOR_ROLLOUT_MS (time for a Deployment to become Available).
let env: TK8sEmulatorEnv;
try {
  env = loadEnv();
} catch (e) {
  console.error(`k8s-emulator: ${(e as Error).message}`);
  process.exit(2);
}
const emulator = createK8sEmulator({ token: env.token, rolloutDelayMs: env.rolloutDelayMs });
const port = await emulator.listen(env.port);
console.log(JSON.stringify({ level: "info", msg: "kubernetes api emulator listening", port }));
const stop = () => void emulator.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
