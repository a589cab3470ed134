import { ApiClient } from "../api/client";
import type { TMe } from "../api/types";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { DEFAULT_API_URL, normalizeApiUrl, readConfig, writeConfig } from "../config";
import { cliEnv } from "../env";
import { UsageError } from "../errors";
import { promptSecret, readStdin } from "../ui/input";

const HELP = `Usage: aitk login [--api-url URL] [--api-key KEY | --api-key-stdin] [--json]

Checks an API key against the aitk control plane (GET /api/v1/me) and stores the API URL and key in
${"$"}{AITK_CONFIG_DIR:-~/.config/aitk}/config.json, readable only by you (mode 0600).
Create a key on the dashboard's API keys page (scope read or write; admin for admin commands).

  --api-url URL     the dashboard or API URL (default: the stored one, else ${DEFAULT_API_URL})
  --api-key KEY     the key (visible in your shell history: prefer --api-key-stdin)
  --api-key-stdin   read the key from standard input
Without a key flag, AITK_API_KEY is used, else the key is asked for on the terminal.
AITK_API_URL and AITK_API_KEY always override the stored login.

Exit codes: 0 logged in, 1 the server could not be reached, 2 the key or URL was refused.

Examples:
  aitk login --api-url http://127.0.0.1:3000 --api-key-stdin < key.txt
  jq -r .apiKey .aitk/demo.json | aitk login --api-url "$(jq -r .apiUrl .aitk/demo.json)" --api-key-stdin`;

const command: TCommand = {
  name: "login",
  summary: "Store the control plane's API URL and an API key (checked first)",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags(argv, {
      "api-url": { type: "string" },
      "api-key": { type: "string" },
      "api-key-stdin": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    });
    if (values["api-key"] !== undefined && values["api-key-stdin"]) {
      throw new UsageError("--api-key and --api-key-stdin are mutually exclusive");
    }
    const stored = (() => {
      try {
        return readConfig();
      } catch {
        return null;
      }
    })();
    const apiUrl = normalizeApiUrl(values["api-url"] ?? cliEnv.apiUrl ?? stored?.apiUrl ?? DEFAULT_API_URL);
    let apiKey = values["api-key"] ?? (values["api-key-stdin"] ? await readStdin() : cliEnv.apiKey);
    if (apiKey === undefined) {
      if (!process.stdin.isTTY) {
        throw new UsageError("missing API key: pass --api-key KEY or --api-key-stdin (e.g. < key.txt)");
      }
      apiKey = await promptSecret(`API key for ${apiUrl}: `);
    }
    apiKey = apiKey.trim();
    if (!apiKey) throw new UsageError("the API key is empty");
    if (!/^aitk_[A-Za-z0-9]+$/.test(apiKey)) {
      throw new UsageError(
        "that is not an aitk API key (they look like aitk_ followed by 40 letters and digits)",
      );
    }

    const me = await new ApiClient({ apiUrl, apiKey }).get<TMe>("/me");
    const path = writeConfig({ apiUrl, apiKey });
    if (values.json) {
      console.log(
        JSON.stringify({ ok: true, apiUrl, config: path, org: me.org, apiKey: me.apiKey, role: me.role }),
      );
    } else {
      console.log(
        `Logged in to ${apiUrl} as organization ${me.org.name} (${me.org.slug}) with key ${me.apiKey.prefix}… (${me.apiKey.scopes.join(", ")}; role ${me.role}).`,
      );
      console.log(`Saved to ${path} (mode 0600).`);
      if (cliEnv.apiKey && values["api-key"] !== undefined) {
        console.error("note: AITK_API_KEY is set in this shell and overrides the stored key");
      }
    }
    return 0;
  },
};
export default command;
