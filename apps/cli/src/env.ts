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
};
