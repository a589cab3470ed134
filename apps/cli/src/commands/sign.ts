import { readFileSync, writeFileSync } from "node:fs";
import { buildManifest, signManifest } from "@aitk/core/security/manifest";
import { parseFlags, requireFlag } from "../args";
import type { TCommand } from "../command";
import { UsageError } from "../errors";
import { manifestEntries } from "../security/files";

const command: TCommand = {
  name: "sign",
  summary: "Sign every file of a model directory (Ed25519 over SHA-256 digests)",
  help: `Usage: aitk sign --model DIR --key private-key.pem --output FILE.sig [--signer NAME] [--json]

Hashes every file under DIR with SHA-256, writes the manifest and its Ed25519 signature to FILE.sig.
Verify later with aitk verify; deployments can require a valid signature by organisation policy.

Example:
  aitk sign --model ./models/Llama-3.2-1B-instruct --key private-key.pem --output model.sig`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      model: { type: "string" },
      key: { type: "string" },
      output: { type: "string" },
      signer: { type: "string" },
      json: { type: "boolean", default: false },
    });
    const model = requireFlag(values.model, "model", "--model ./models/llama");
    const keyPath = requireFlag(values.key, "key", "--key private-key.pem");
    const output = requireFlag(values.output, "output", "--output model.sig");
    let pem: string;
    try {
      pem = readFileSync(keyPath, "utf8");
    } catch {
      throw new UsageError(`cannot read the private key ${keyPath}`);
    }
    const files = await manifestEntries(model, [output]);
    if (files.length === 0) throw new UsageError(`no files to sign under ${model}`);
    const sig = signManifest(buildManifest(files), pem, values.signer ? { signerName: values.signer } : {});
    writeFileSync(output, `${JSON.stringify(sig, null, 2)}\n`);
    const bytes = files.reduce((a, f) => a + f.size, 0);
    if (values.json) {
      console.log(
        JSON.stringify({ output, files: files.length, bytes, signer: sig.signer, signedAt: sig.signedAt }),
      );
    } else {
      console.log(
        `signed ${files.length} files (${bytes} bytes) → ${output}\nsigner ${sig.signer.fingerprint}`,
      );
    }
    return 0;
  },
};
export default command;
