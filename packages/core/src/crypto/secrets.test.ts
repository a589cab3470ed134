import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  encryptSecret,
  generateSecretKeyHex,
  isEncryptedSecret,
  SecretDecryptError,
} from "./secrets";

const key = "0f".repeat(32);

describe("encryptSecret / decryptSecret", () => {
  it("round-trips text, including empty and non-ASCII", () => {
    for (const plain of ["", "hunter2", "-----BEGIN KEY-----\nabc\n", "ключ 🔑 密钥"]) {
      const enc = encryptSecret(plain, key);
      expect(isEncryptedSecret(enc)).toBe(true);
      expect(decryptSecret(enc, key)).toBe(plain);
    }
  });

  it("uses the v1:iv:tag:data format with a fresh IV each time", () => {
    const a = encryptSecret("same", key);
    const b = encryptSecret("same", key);
    expect(a).not.toBe(b);
    const [v, iv, tag] = a.split(":");
    expect(v).toBe("v1");
    expect(Buffer.from(iv ?? "", "base64")).toHaveLength(12);
    expect(Buffer.from(tag ?? "", "base64")).toHaveLength(16);
    expect(a).not.toContain("same");
  });

  it("rejects a wrong key", () => {
    const enc = encryptSecret("secret", key);
    expect(() => decryptSecret(enc, generateSecretKeyHex())).toThrow(SecretDecryptError);
  });

  it("detects tampering with ciphertext, tag or IV", () => {
    const enc = encryptSecret("transfer 100 to alice", key);
    const [v, iv, tag, ct] = enc.split(":") as [string, string, string, string];
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, "base64");
      buf[0] = (buf[0] ?? 0) ^ 1;
      return buf.toString("base64");
    };
    expect(() => decryptSecret([v, iv, tag, flip(ct)].join(":"), key)).toThrow(
      /wrong key or the data was altered/,
    );
    expect(() => decryptSecret([v, iv, flip(tag), ct].join(":"), key)).toThrow(SecretDecryptError);
    expect(() => decryptSecret([v, flip(iv), tag, ct].join(":"), key)).toThrow(SecretDecryptError);
  });

  it("rejects malformed input and bad keys clearly", () => {
    expect(() => decryptSecret("plaintext", key)).toThrow(/not an encrypted secret/);
    expect(() => decryptSecret("v2:a:b:c", key)).toThrow(SecretDecryptError);
    expect(() => decryptSecret("v1:AAAA:AAAA:AAAA", key)).toThrow(/malformed/);
    expect(() => encryptSecret("x", "abc")).toThrow(/64 hex characters/);
    expect(() => encryptSecret("x", "zz".repeat(32))).toThrow(/64 hex characters/);
  });

  it("generates 64-hex keys", () => {
    expect(generateSecretKeyHex()).toMatch(/^[0-9a-f]{64}$/);
  });
});
