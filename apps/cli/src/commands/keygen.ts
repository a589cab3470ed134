import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { publicKeyFingerprint } from "@aitk/core/security/manifest";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { UsageError } from "../errors";

const command: TCommand = {
  name: "keygen",
  summary: "Create an Ed25519 key pair for signing models",
  help: `Usage: aitk keygen [--out DIR] [--force] [--json]

Writes DIR/private-key.pem (mode 0600) and DIR/public-key.pem, for aitk sign / aitk verify.

Example:
  aitk keygen --out keys/
  aitk sign --model ./models/llama --key keys/private-key.pem --output llama.sig`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      out: { type: "string", default: "." },
      force: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    });
    const dir = values.out!;
    const priv = join(dir, "private-key.pem");
    const pub = join(dir, "public-key.pem");
    if (!values.force && (existsSync(priv) || existsSync(pub))) {
      throw new UsageError(`${priv} or ${pub} exists already (use --force to replace)`);
    }
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const pubPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    writeFileSync(priv, privateKey.export({ type: "pkcs8", format: "pem" }).toString(), { mode: 0o600 });
    writeFileSync(pub, pubPem);
    const fingerprint = publicKeyFingerprint(pubPem);
    if (values.json) console.log(JSON.stringify({ privateKey: priv, publicKey: pub, fingerprint }));
    else console.log(`wrote ${priv} (keep it secret) and ${pub}\nfingerprint ${fingerprint}`);
    return 0;
  },
};
export default command;
