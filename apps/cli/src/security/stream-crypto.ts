import { createReadStream, createWriteStream, renameSync, rmSync } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ChunkDecryptor, ChunkEncryptor } from "@aitk/core/security/chunked-aead";

function encryptTransform(key: Buffer): Transform {
  const enc = new ChunkEncryptor(key);
  let headerSent = false;
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      if (!headerSent) {
        this.push(enc.header);
        headerSent = true;
      }
      for (const c of enc.push(chunk)) this.push(c);
      done();
    },
    flush(done) {
      if (!headerSent) this.push(enc.header);
      this.push(enc.finish());
      done();
    },
  });
}

function decryptTransform(key: Buffer): Transform {
  const dec = new ChunkDecryptor(key);
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      try {
        for (const c of dec.push(chunk)) this.push(c);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done) {
      try {
        this.push(dec.finish());
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
}

/**
 * Streams input → output through the cipher in constant memory. Writes to a temporary file and renames
 * it into place only on success, so a failed decryption never leaves partial plaintext behind.
 */
export async function cryptFile(mode: "encrypt" | "decrypt", key: Buffer, input: string, output: string) {
  const tmp = `${output}.partial-${process.pid}`;
  try {
    await pipeline(
      createReadStream(input, { highWaterMark: 1 << 20 }),
      mode === "encrypt" ? encryptTransform(key) : decryptTransform(key),
      createWriteStream(tmp, { mode: 0o600 }),
    );
    renameSync(tmp, output);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
