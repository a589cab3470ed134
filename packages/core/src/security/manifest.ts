import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../errors";

// A model signature is an Ed25519 signature over a canonical manifest of every file's SHA-256 digest.
// Signing the manifest (not the files) keeps verification streaming and lets a verifier name exactly
// which file changed, appeared or disappeared.

export const ZManifestEntry = z.object({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type TManifestEntry = z.infer<typeof ZManifestEntry>;

export const ZManifest = z.object({
  version: z.literal(1),
  algorithm: z.literal("sha256"),
  files: z.array(ZManifestEntry),
});
export type TManifest = z.infer<typeof ZManifest>;

export const ZSignatureFile = z.object({
  format: z.literal("aitk-model-signature/v1"),
  manifest: ZManifest,
  signer: z.object({
    /** SHA-256 of the signer's public key (DER SPKI), hex. */
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    name: z.string().optional(),
  }),
  signedAt: z.string(),
  /** Ed25519 signature (base64) over canonicalJson({ manifest, signer, signedAt }). */
  signature: z.string().min(1),
});
export type TSignatureFile = z.infer<typeof ZSignatureFile>;

export type TManifestDifference = { path: string; kind: "changed" | "added" | "removed" };

/** JSON with keys sorted at every level: the same manifest always signs to the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function buildManifest(files: TManifestEntry[]): TManifest {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.path === sorted[i - 1]!.path) {
      throw new DomainError("VALIDATION", `duplicate file in manifest: ${sorted[i]!.path}`);
    }
  }
  return { version: 1, algorithm: "sha256", files: sorted };
}

function loadKey(pem: string, kind: "private" | "public"): KeyObject {
  try {
    const key = kind === "private" ? createPrivateKey(pem) : createPublicKey(pem);
    if (key.asymmetricKeyType !== "ed25519") {
      throw new DomainError(
        "VALIDATION",
        `the ${kind} key is ${key.asymmetricKeyType}, expected an Ed25519 key`,
        {
          field: "key",
        },
      );
    }
    return key;
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError("VALIDATION", `the ${kind} key is not a PEM-encoded Ed25519 key`, { field: "key" });
  }
}

export function publicKeyFingerprint(keyPem: string): string {
  const pub = createPublicKey(keyPem);
  return createHash("sha256")
    .update(pub.export({ type: "spki", format: "der" }))
    .digest("hex");
}

function signedPayload(sig: Pick<TSignatureFile, "manifest" | "signer" | "signedAt">): Buffer {
  return Buffer.from(canonicalJson({ manifest: sig.manifest, signer: sig.signer, signedAt: sig.signedAt }));
}

export function signManifest(
  manifest: TManifest,
  privateKeyPem: string,
  opts: { signerName?: string; now?: Date } = {},
): TSignatureFile {
  const key = loadKey(privateKeyPem, "private");
  const fingerprint = createHash("sha256")
    .update(createPublicKey(key).export({ type: "spki", format: "der" }))
    .digest("hex");
  const body = {
    manifest,
    signer: opts.signerName ? { fingerprint, name: opts.signerName } : { fingerprint },
    signedAt: (opts.now ?? new Date()).toISOString(),
  };
  const signature = sign(null, signedPayload(body), key).toString("base64");
  return { format: "aitk-model-signature/v1", ...body, signature };
}

/** Parses a signature file's text, with an error that says what is wrong with it. */
export function parseSignatureFile(text: string): TSignatureFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DomainError("VALIDATION", "the signature file is not JSON", { field: "signature" });
  }
  const parsed = ZSignatureFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DomainError(
      "VALIDATION",
      `the signature file is malformed at ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      {
        field: "signature",
      },
    );
  }
  return parsed.data;
}

/** Checks the Ed25519 signature only; `diffManifests` then compares the files. */
export function verifySignature(sig: TSignatureFile, publicKeyPem: string): boolean {
  const key = loadKey(publicKeyPem, "public");
  const fingerprint = createHash("sha256")
    .update(key.export({ type: "spki", format: "der" }))
    .digest("hex");
  if (fingerprint !== sig.signer.fingerprint) return false;
  try {
    return verify(null, signedPayload(sig), key, Buffer.from(sig.signature, "base64"));
  } catch {
    return false;
  }
}

export function diffManifests(signed: TManifest, actual: TManifest): TManifestDifference[] {
  const want = new Map(signed.files.map((f) => [f.path, f]));
  const have = new Map(actual.files.map((f) => [f.path, f]));
  const out: TManifestDifference[] = [];
  for (const [path, f] of want) {
    const g = have.get(path);
    if (!g) out.push({ path, kind: "removed" });
    else if (g.sha256 !== f.sha256 || g.size !== f.size) out.push({ path, kind: "changed" });
  }
  for (const path of have.keys()) if (!want.has(path)) out.push({ path, kind: "added" });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
