import { readFileSync } from "node:fs";
import {
  buildManifest,
  diffManifests,
  parseSignatureFile,
  verifySignature,
} from "@aitk/core/security/manifest";
import { parseFlags, requireFlag } from "../args";
import type { TCommand } from "../command";
import { EXIT_FAILED, UsageError } from "../errors";
import { manifestEntries } from "../security/files";

const read = (path: string, what: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new UsageError(`cannot read the ${what} ${path}`);
  }
};

const command: TCommand = {
  name: "verify",
  summary: "Verify a model directory against its signature",
  help: `Usage: aitk verify --model DIR --signature FILE.sig --key public-key.pem [--json]

Checks the Ed25519 signature and the SHA-256 digest of every file. Exit 0 when all match; exit 1 and the
names of changed, added or removed files otherwise.

Example:
  aitk verify --model ./models/Llama-3.2-1B-instruct --signature model.sig --key public-key.pem`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      model: { type: "string" },
      signature: { type: "string" },
      key: { type: "string" },
      json: { type: "boolean", default: false },
    });
    const model = requireFlag(values.model, "model", "--model ./models/llama");
    const sigPath = requireFlag(values.signature, "signature", "--signature model.sig");
    const keyPath = requireFlag(values.key, "key", "--key public-key.pem");
    const sig = parseSignatureFile(read(sigPath, "signature file"));
    const pem = read(keyPath, "public key");
    const signatureOk = verifySignature(sig, pem);
    const differences = signatureOk
      ? diffManifests(sig.manifest, buildManifest(await manifestEntries(model, [sigPath])))
      : [];
    const ok = signatureOk && differences.length === 0;
    if (values.json) {
      console.log(
        JSON.stringify({
          ok,
          signatureValid: signatureOk,
          signer: sig.signer,
          signedAt: sig.signedAt,
          differences,
        }),
      );
    } else if (!signatureOk) {
      console.error(
        "verification FAILED: the signature does not match this public key (wrong key, or the signature file was edited)",
      );
    } else if (differences.length) {
      console.error("verification FAILED:");
      for (const d of differences) console.error(`  ${d.kind.padEnd(8)} ${d.path}`);
    } else {
      const name = sig.signer.name ? `${sig.signer.name} ` : "";
      console.log(
        `verified ${sig.manifest.files.length} files, signed by ${name}${sig.signer.fingerprint} at ${sig.signedAt}`,
      );
    }
    return ok ? 0 : EXIT_FAILED;
  },
};
export default command;
