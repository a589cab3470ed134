import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseKeyHex } from "@aitk/core/security/chunked-aead";
import { parseFlags, requireFlag } from "../args";
import type { TCommand } from "../command";
import { UsageError } from "../errors";
import { readEnvVar } from "../env";
import { listModelFiles } from "../security/files";
import { cryptFile } from "../security/stream-crypto";

function makeCommand(mode: "encrypt" | "decrypt"): TCommand {
  const verb = mode === "encrypt" ? "Encrypt" : "Decrypt";
  const example =
    mode === "encrypt"
      ? "aitk encrypt --model model.safetensors --algorithm aes-256-gcm --key-environment-variable AITK_MODEL_KEY --output model.safetensors.enc"
      : "aitk decrypt --model model.safetensors.enc --algorithm aes-256-gcm --key-environment-variable AITK_MODEL_KEY --output model.safetensors";
  return {
    name: mode,
    summary: `${verb} a model file or directory (AES-256-GCM, streaming, per-chunk authentication)`,
    help: `Usage: aitk ${mode} --model PATH --key-environment-variable VAR --output PATH [--algorithm aes-256-gcm] [--json]

The key is read from the environment variable VAR: 256 bits as 64 hex characters
(make one with: openssl rand -hex 32). A directory is processed file by file into the output directory.
Files stream through in 1 MiB chunks, so memory stays flat for multi-GB weights; every chunk carries
its own tag, so a modified byte fails decryption at that chunk and no partial output is left behind.

In a container, decrypt at start:
  aitk decrypt --model /models/enc --key-environment-variable AITK_MODEL_KEY --output /run/models

Example:
  export AITK_MODEL_KEY=$(openssl rand -hex 32)
  ${example}`,
    async run(argv) {
      const { values } = parseFlags(argv, {
        model: { type: "string" },
        algorithm: { type: "string", default: "aes-256-gcm" },
        "key-environment-variable": { type: "string" },
        output: { type: "string" },
        json: { type: "boolean", default: false },
      });
      const input = requireFlag(values.model, "model", "--model model.safetensors");
      const output = requireFlag(
        values.output,
        "output",
        `--output model.safetensors${mode === "encrypt" ? ".enc" : ""}`,
      );
      const varName = requireFlag(
        values["key-environment-variable"],
        "key-environment-variable",
        "AITK_MODEL_KEY",
      );
      if (values.algorithm !== "aes-256-gcm") {
        throw new UsageError(`unsupported --algorithm ${values.algorithm}: only aes-256-gcm is supported`);
      }
      const raw = readEnvVar(varName);
      if (!raw)
        throw new UsageError(`environment variable ${varName} is not set (it must hold 64 hex characters)`);
      const key = parseKeyHex(raw, varName);

      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(input);
      } catch {
        throw new UsageError(`--model not found: ${input}`);
      }
      const jobs: Array<[string, string]> = [];
      if (st.isDirectory()) {
        const suffix = ".enc";
        for (const rel of listModelFiles(input)) {
          const out =
            mode === "encrypt"
              ? `${rel}${suffix}`
              : rel.endsWith(suffix)
                ? rel.slice(0, -suffix.length)
                : rel;
          jobs.push([join(input, rel), join(output, out)]);
        }
      } else {
        jobs.push([input, output]);
      }
      const t0 = performance.now();
      let bytes = 0;
      for (const [src, dst] of jobs) {
        mkdirSync(dirname(dst), { recursive: true });
        try {
          await cryptFile(mode, key, src, dst);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          throw new Error(`${src}: ${msg}`);
        }
        bytes += statSync(mode === "encrypt" ? src : dst).size;
      }
      const seconds = (performance.now() - t0) / 1000;
      if (values.json) console.log(JSON.stringify({ files: jobs.length, bytes, seconds, output }));
      else
        console.log(
          `${mode}ed ${jobs.length} file(s), ${bytes} bytes in ${seconds.toFixed(2)} s → ${output}`,
        );
      return 0;
    },
  };
}

export const encryptCommand = makeCommand("encrypt");
export const decryptCommand = makeCommand("decrypt");
