import { ApiClient, seg } from "../api/client";
import type { TMe } from "../api/types";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { clearConfig, configPath, readConfig } from "../config";
import { cliEnv } from "../env";

const command: TCommand = {
  name: "logout",
  summary: "Forget the stored API key (--revoke also revokes it on the server)",
  help: `Usage: aitk logout [--revoke] [--json]

Deletes ${"$"}{AITK_CONFIG_DIR:-~/.config/aitk}/config.json. With --revoke the stored key is first revoked
on the control plane, so a copy of it stops working too (the gateways drop it within a second).

Examples:
  aitk logout
  aitk logout --revoke`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      revoke: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    });
    let revoked: string | null = null;
    if (values.revoke) {
      const cfg = readConfig();
      if (cfg) {
        const client = new ApiClient(cfg);
        const me = await client.get<TMe>("/me");
        await client.delete(`/keys/${seg(me.apiKey.id)}`);
        revoked = me.apiKey.prefix;
      }
    }
    const had = clearConfig();
    if (values.json) {
      console.log(JSON.stringify({ ok: true, removed: had, config: configPath(), revoked }));
    } else {
      if (revoked) console.log(`Revoked key ${revoked}….`);
      console.log(had ? `Logged out (removed ${configPath()}).` : "Not logged in; nothing to remove.");
      if (cliEnv.apiKey) console.error("note: AITK_API_KEY is still set in this shell and still logs you in");
    }
    return 0;
  },
};
export default command;
