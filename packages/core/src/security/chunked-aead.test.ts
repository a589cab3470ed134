import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ChunkDecryptor,
  ChunkEncryptor,
  decryptBuffer,
  encryptBuffer,
  HEADER_BYTES,
  parseKeyHex,
} from "./chunked-aead";

const key = randomBytes(32);

describe("chunked AES-256-GCM", () => {
  it.each([0, 1, 15, 16, 17, 64, 1000])("round-trips %i bytes with 16-byte chunks", (n) => {
    const plain = randomBytes(n);
    expect(decryptBuffer(key, encryptBuffer(key, plain, 16)).equals(plain)).toBe(true);
  });

  it("round-trips when fed in odd-sized pieces", () => {
    const plain = randomBytes(10_000);
    const e = new ChunkEncryptor(key, 64);
    const parts: Buffer[] = [e.header];
    for (let i = 0; i < plain.length; i += 333) parts.push(...e.push(plain.subarray(i, i + 333)));
    parts.push(e.finish());
    const sealed = Buffer.concat(parts);
    const d = new ChunkDecryptor(key);
    const out: Buffer[] = [];
    for (let i = 0; i < sealed.length; i += 97) out.push(...d.push(sealed.subarray(i, i + 97)));
    out.push(d.finish());
    expect(Buffer.concat(out).equals(plain)).toBe(true);
  });

  it("detects a flipped byte anywhere and names the chunk", () => {
    const plain = randomBytes(200);
    const sealed = encryptBuffer(key, plain, 32);
    for (const pos of [HEADER_BYTES + 3, HEADER_BYTES + 48 + 5, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[pos] = bad[pos]! ^ 0x01;
      expect(() => decryptBuffer(key, bad)).toThrow(/authentication failed at chunk \d+/);
    }
  });

  it("detects a tampered header, truncation, a dropped chunk and a wrong key", () => {
    const sealed = encryptBuffer(key, randomBytes(100), 16);
    const header = Buffer.from(sealed);
    header[20] = header[20]! ^ 0xff; // nonce prefix
    expect(() => decryptBuffer(key, header)).toThrow(/authentication failed/);
    // Cut at a chunk boundary: the last remaining chunk was sealed as non-final.
    expect(() => decryptBuffer(key, sealed.subarray(0, HEADER_BYTES + 2 * 32))).toThrow(
      /authentication failed/,
    );
    const dropped = Buffer.concat([sealed.subarray(0, HEADER_BYTES), sealed.subarray(HEADER_BYTES + 32)]);
    expect(() => decryptBuffer(key, dropped)).toThrow(/authentication failed at chunk 0/);
    expect(() => decryptBuffer(randomBytes(32), sealed)).toThrow(/authentication failed at chunk 0/);
    expect(() => decryptBuffer(key, Buffer.from("hello"))).toThrow(/shorter than its header/);
    expect(() => decryptBuffer(key, Buffer.alloc(40))).toThrow(/bad magic/);
  });

  it("parses 64-hex keys and rejects others with a clear message", () => {
    expect(parseKeyHex("ab".repeat(32)).length).toBe(32);
    expect(() => parseKeyHex("abc", "AITK_MODEL_KEY")).toThrow(
      /AITK_MODEL_KEY must be a 256-bit key .*\(got 3 characters\)/,
    );
    expect(() => parseKeyHex("zz".repeat(32))).toThrow(/64 hexadecimal/);
  });
});
