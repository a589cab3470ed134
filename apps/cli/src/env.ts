import { homedir } from "node:os";
import { join } from "node:path";

// The CLI's only access to the environment. Variables named by the user (e.g. the key variable of
// `aitk encrypt --key-environment-variable VAR`) are read through readEnvVar.
export function readEnvVar(name: string): string | undefined {
  return process.env[name];
}

export const cliEnv = {
  configDir:
    process.env.AITK_CONFIG_DIR ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "aitk"),
  apiUrl: process.env.AITK_API_URL,
  apiKey: process.env.AITK_API_KEY,
  debug: Boolean(process.env.AITK_DEBUG),
  /** How often `aitk logs -f` and remote builds poll the job (ms); tests make it short. */
  pollMs: Math.max(50, Number(process.env.AITK_POLL_MS) || 1000),
  /** NO_COLOR or TERM=dumb turn the progress bar into plain lines, as on a pipe. */
  plainProgress: Boolean(process.env.NO_COLOR) || process.env.TERM === "dumb",
};
