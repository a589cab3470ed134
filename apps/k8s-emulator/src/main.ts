import { createK8sEmulator } from "./server";

// The Kubernetes API emulator as a process: K8S_EMULATOR_PORT (16443), K8S_EMULATOR_TOKEN (bearer token
// clients must send; none when unset), K8S_EMULATOR_ROLLOUT_MS (time for a Deployment to become Available).
const env = process.env;
const emulator = createK8sEmulator({
  token: env.K8S_EMULATOR_TOKEN || undefined,
  rolloutDelayMs: Number(env.K8S_EMULATOR_ROLLOUT_MS ?? 1000),
});
const port = await emulator.listen(Number(env.K8S_EMULATOR_PORT ?? 16443));
console.log(JSON.stringify({ level: "info", msg: "kubernetes api emulator listening", port }));
const stop = () => void emulator.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
