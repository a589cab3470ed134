import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { cliEnv } from "./env";
import { UsageError } from "./errors";

// `aitk login` state: ~/.config/aitk/config.json = { apiUrl, apiKey }, readable by the user only,
// because the key acts for the whole organization. AITK_API_URL / AITK_API_KEY override it.

export const DEFAULT_API_URL = "http://127.0.0.1:3000/api/v1";

export const ZConfig = z.object({
  apiUrl: z.string().min(1),
  apiKey: z.string().min(1),
});
export type TConfig = z.infer<typeof ZConfig>;

export const configPath = () => join(cliEnv.configDir, "config.json");

/** Accepts the dashboard URL or the API URL (`http://host:3000` or `http://host:3000/api/v1`). */
export function normalizeApiUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new UsageError(`--api-url "${raw}" is not a URL (e.g. http://127.0.0.1:3000)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new UsageError(`--api-url "${raw}" must be http:// or https://`);
  }
  u.search = "";
  u.hash = "";
  let path = u.pathname.replace(/\/+$/, "");
  if (!path.endsWith("/api/v1")) path = `${path}/api/v1`;
  u.pathname = path;
  return u.toString().replace(/\/+$/, "");
}

/** The stored config, or null when there is none. A corrupt file is an error that names it. */
export function readConfig(): TConfig | null {
  let text: string;
  try {
    text = readFileSync(configPath(), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new UsageError(`cannot read ${configPath()}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${configPath()} is not JSON; run aitk logout and aitk login again`);
  }
  const r = ZConfig.safeParse(json);
  if (!r.success) {
    throw new UsageError(`${configPath()} lacks apiUrl/apiKey; run aitk logout and aitk login again`);
  }
  return r.data;
}

/** Writes atomically with mode 0600 in a 0700 directory (a key never sits in a world-readable file). */
export function writeConfig(cfg: TConfig): string {
  mkdirSync(cliEnv.configDir, { recursive: true, mode: 0o700 });
  chmodSync(cliEnv.configDir, 0o700);
  const path = configPath();
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(ZConfig.parse(cfg), null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}

/** Removes the stored login; true when there was one. */
export function clearConfig(): boolean {
  const had = readConfigSafe() !== null;
  rmSync(configPath(), { force: true });
  return had;
}

function readConfigSafe(): TConfig | null {
  try {
    return readConfig();
  } catch {
    return { apiUrl: "", apiKey: "" };
  }
}

export interface TLogin {
  apiUrl: string;
  apiKey: string;
  /** Where the key came from, for `aitk status`. */
  source: "env" | "config";
}

/** The effective login (environment over config file), or null when there is no key anywhere. */
export function currentLogin(): TLogin | null {
  const cfg = cliEnv.apiKey && cliEnv.apiUrl ? null : readConfig();
  const apiKey = cliEnv.apiKey ?? cfg?.apiKey;
  if (!apiKey) return null;
  const apiUrl = normalizeApiUrl(cliEnv.apiUrl ?? cfg?.apiUrl ?? DEFAULT_API_URL);
  return { apiUrl, apiKey, source: cliEnv.apiKey ? "env" : "config" };
}

/** Like currentLogin, but a missing login is a usage error that says what to do. */
export function requireLogin(): TLogin {
  const l = currentLogin();
  if (!l) {
    throw new UsageError(
      "not logged in: run `aitk login --api-url URL --api-key KEY` (or set AITK_API_URL and AITK_API_KEY)",
    );
  }
  return l;
}
