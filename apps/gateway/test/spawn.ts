import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

export type TGatewayProcess = { port: number; proc: ChildProcess; stop(): Promise<void> };

/** Starts `src/main.ts` as its own process (tsx) on a random port and waits for "gateway listening". */
export function spawnGateway(env: Record<string, string>): Promise<TGatewayProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, GATEWAY_PORT: "0", GATEWAY_HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (c) => {
    stderr += String(c);
  });
  return new Promise((resolve, reject) => {
    // A gateway that never reports ready must not outlive the test run.
    const t = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`gateway did not start: ${stderr}`));
    }, 30_000);
    const rl = createInterface({ input: proc.stdout! });
    rl.on("line", (line) => {
      if (!line.includes("gateway listening")) return;
      clearTimeout(t);
      const port = (JSON.parse(line) as { port: number }).port;
      resolve({
        port,
        proc,
        stop: () =>
          new Promise<void>((r) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return r();
            proc.once("exit", () => r());
            proc.kill("SIGTERM");
          }),
      });
    });
    proc.once("exit", (code) => reject(new Error(`gateway exited (${code}): ${stderr}`)));
  });
}
