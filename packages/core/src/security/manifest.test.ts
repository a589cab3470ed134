import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  buildManifest,
  canonicalJson,
  diffManifests,
  parseSignatureFile,
  publicKeyFingerprint,
  signManifest,
  verifySignature,
} from "./manifest";

const pem = () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    priv: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    pub: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
};
const h = (c: string) => c.repeat(64);

describe("model signatures", () => {
  const files = [
    { path: "model.safetensors", size: 10, sha256: h("a") },
    { path: "config.json", size: 2, sha256: h("b") },
  ];

  it("canonical JSON sorts keys at every level", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("signs and verifies; the file round-trips through JSON", () => {
    const k = pem();
    const sig = signManifest(buildManifest(files), k.priv, {
      signerName: "ci",
      now: new Date("2026-11-25T00:00:00Z"),
    });
    expect(sig.manifest.files.map((f) => f.path)).toEqual(["config.json", "model.safetensors"]);
    expect(sig.signer.fingerprint).toBe(publicKeyFingerprint(k.pub));
    const back = parseSignatureFile(JSON.stringify(sig));
    expect(verifySignature(back, k.pub)).toBe(true);
  });

  it("fails with the wrong key or an edited manifest", () => {
    const k = pem();
    const sig = signManifest(buildManifest(files), k.priv);
    expect(verifySignature(sig, pem().pub)).toBe(false);
    const edited = structuredClone(sig);
    edited.manifest.files[0]!.sha256 = h("c");
    expect(verifySignature(edited, k.pub)).toBe(false);
    const redated = { ...sig, signedAt: "2020-01-01T00:00:00.000Z" };
    expect(verifySignature(redated, k.pub)).toBe(false);
  });

  it("names every changed, added and removed file", () => {
    const signed = buildManifest(files);
    const actual = buildManifest([
      { path: "model.safetensors", size: 10, sha256: h("f") },
      { path: "extra.bin", size: 1, sha256: h("e") },
    ]);
    expect(diffManifests(signed, actual)).toEqual([
      { path: "config.json", kind: "removed" },
      { path: "extra.bin", kind: "added" },
      { path: "model.safetensors", kind: "changed" },
    ]);
  });

  it("rejects non-Ed25519 keys and malformed signature files clearly", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const rsa = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(() => signManifest(buildManifest(files), rsa)).toThrow(/is rsa, expected an Ed25519 key/);
    expect(() => signManifest(buildManifest(files), "nope")).toThrow(/not a PEM-encoded Ed25519 key/);
    expect(() => parseSignatureFile("{")).toThrow(/not JSON/);
    expect(() => parseSignatureFile('{"format":"x"}')).toThrow(/malformed at format/);
    expect(() => buildManifest([files[0]!, files[0]!])).toThrow(/duplicate file/);
  });
});
