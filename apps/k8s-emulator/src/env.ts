// The emulator process's only read of the environment, checked once at start.
export type TK8sEmulatorEnv = { port: number; token: string | undefined; rolloutDelayMs: number };

export function loadEnv(env: NodeJS.ProcessEnv = process.env): TK8sEmulatorEnv {
  const port = Number(env.K8S_EMULATOR_PORT ?? 16443);
  const rolloutDelayMs = Number(env.K8S_EMULATOR_ROLLOUT_MS ?? 1000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error("K8S_EMULATOR_PORT must be a port number");
  if (!Number.isFinite(rolloutDelayMs) || rolloutDelayMs < 0)
    throw new Error("K8S_EMULATOR_ROLLOUT_MS must be ≥ 0");
  return { port, token: env.K8S_EMULATOR_TOKEN || undefined, rolloutDelayMs };
}
