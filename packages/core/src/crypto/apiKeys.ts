import { hash, randomBytes, timingSafeEqual } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const API_KEY_PREFIX = "aitk_";
const BODY_LENGTH = 40; // 40 × log2(62) ≈ 238 bits
const SHOWN_PREFIX_LENGTH = 12;
const API_KEY_RE = /^aitk_[0-9A-Za-z]{40}$/;

export type TGeneratedApiKey = {
  /** The whole key: shown to the user once, never stored. */
  key: string;
  /** First 12 characters, stored and shown in lists. */
  prefix: string;
  /** SHA-256 hex of the key, the lookup column. */
  hash: string;
};

function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 62 × 4 = 248: rejecting bytes ≥ 248 keeps every character equally likely.
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function generateApiKey(): TGeneratedApiKey {
  const key = API_KEY_PREFIX + randomBase62(BODY_LENGTH);
  return { key, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), hash: hashApiKey(key) };
}

/**
 * Keys are high-entropy random strings, so one fast hash is the right lookup (no KDF needed). The
 * gateway runs this on every request: one-shot `crypto.hash` creates no Hash object (a native object
 * with a weak handle that every young-generation GC had to process).
 */
export function hashApiKey(key: string): string {
  return hash("sha256", key, "hex");
}

/** Shape check before any lookup, so junk never reaches the database. */
export function isApiKeyFormat(key: string): boolean {
  return API_KEY_RE.test(key);
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, SHOWN_PREFIX_LENGTH);
}

/** Constant-time comparison of a presented key against a stored SHA-256 hex hash. */
export function apiKeyMatches(key: string, storedHashHex: string): boolean {
  const a = Buffer.from(hashApiKey(key), "hex");
  const b = Buffer.from(storedHashHex, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
