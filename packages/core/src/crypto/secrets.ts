import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

// Secrets at rest (host credentials, upstream API keys): AES-256-GCM, a fresh 96-bit IV per value, the
// 128-bit tag checked on decryption. Versioned so the scheme can change without a flag day.
const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretDecryptError";
  }
}

function keyFromHex(keyHex: string): Buffer {
  if (typeof keyHex !== "string" || !/^[0-9a-fA-F]{64}$/.test(keyHex)) {
    throw new Error("the secret key must be 64 hex characters (32 bytes), e.g. AITK_SECRET_KEY");
  }
  return Buffer.from(keyHex, "hex");
}

/** A new random key in the form AITK_SECRET_KEY expects. */
export function generateSecretKeyHex(): string {
  return randomBytes(32).toString("hex");
}

/** Encrypts to "v1:<iv b64>:<tag b64>:<ciphertext b64>". */
export function encryptSecret(plain: string, keyHex: string): string {
  const key = keyFromHex(keyHex);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64"), tag.toString("base64"), ct.toString("base64")].join(":");
}

/** Decrypts encryptSecret's output; throws SecretDecryptError on a wrong key or any tampering. */
export function decryptSecret(enc: string, keyHex: string): string {
  const key = keyFromHex(keyHex);
  const parts = typeof enc === "string" ? enc.split(":") : [];
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new SecretDecryptError(`not an encrypted secret (expected "${VERSION}:iv:tag:data")`);
  }
  const iv = Buffer.from(parts[1] ?? "", "base64");
  const tag = Buffer.from(parts[2] ?? "", "base64");
  const ct = Buffer.from(parts[3] ?? "", "base64");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretDecryptError("encrypted secret is malformed (bad IV or tag length)");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptError("secret cannot be decrypted: wrong key or the data was altered");
  }
}

export function isEncryptedSecret(value: string): boolean {
  return /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/.test(value);
}
