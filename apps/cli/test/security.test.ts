import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "bin", "aitk.js");
const aitk = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

let dir: string;
const p = (...s: string[]) => join(dir, ...s);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "aitk-sec-"));
  mkdirSync(p("model", "tokenizer"), { recursive: true });
  writeFileSync(p("model", "config.json"), '{"layers":2}');
  writeFileSync(p("model", "model.safetensors"), randomBytes(300_000));
  writeFileSync(p("model", "tokenizer", "vocab.txt"), "a\nb\n");
  expect(aitk(["keygen", "--out", p("keys")]).code).toBe(0);
  expect(aitk(["keygen", "--out", p("other")]).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sign = () =>
  aitk(["sign", "--model", p("model"), "--key", p("keys", "private-key.pem"), "--output", p("model.sig")]);
const verify = (key = p("keys", "public-key.pem")) =>
  aitk(["verify", "--model", p("model"), "--signature", p("model.sig"), "--key", key, "--json"]);

describe("aitk sign / verify", () => {
  it("sign → verify passes and reports the signer and time", () => {
    expect(sign().code).toBe(0);
    const r = verify();
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.ok).toBe(true);
    expect(out.signer.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(out.signedAt)).toBeGreaterThan(0);
  });

  it("a changed byte fails and names the file", () => {
    sign();
    const f = p("model", "model.safetensors");
    const buf = readFileSync(f);
    buf[1234] = buf[1234]! ^ 1;
    writeFileSync(f, buf);
    const r = verify();
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).differences).toEqual([{ path: "model.safetensors", kind: "changed" }]);
  });

  it("an added or removed file fails and names it", () => {
    sign();
    writeFileSync(p("model", "extra.bin"), "x");
    expect(JSON.parse(verify().out).differences).toEqual([{ path: "extra.bin", kind: "added" }]);
    unlinkSync(p("model", "extra.bin"));
    sign();
    unlinkSync(p("model", "tokenizer", "vocab.txt"));
    expect(JSON.parse(verify().out).differences).toEqual([{ path: "tokenizer/vocab.txt", kind: "removed" }]);
    writeFileSync(p("model", "tokenizer", "vocab.txt"), "a\nb\n");
  });

  it("the wrong key fails; bad input exits 2 with a message", () => {
    sign();
    const r = verify(p("other", "public-key.pem"));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).signatureValid).toBe(false);
    const missing = aitk(["sign", "--model", p("model")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing --key/);
    expect(
      aitk([
        "verify",
        "--model",
        p("nope"),
        "--signature",
        p("model.sig"),
        "--key",
        p("keys", "public-key.pem"),
      ]).code,
    ).toBe(2);
    expect(aitk(["sign", "--bogus"]).err).toMatch(/bogus/);
  });
});

describe("aitk encrypt / decrypt", () => {
  const key = randomBytes(32).toString("hex");
  const env = { AITK_MODEL_KEY: key };
  const enc = (args: string[], e: Record<string, string> = env) =>
    aitk(
      ["encrypt", "--algorithm", "aes-256-gcm", "--key-environment-variable", "AITK_MODEL_KEY", ...args],
      e,
    );
  const dec = (args: string[], e: Record<string, string> = env) =>
    aitk(
      ["decrypt", "--algorithm", "aes-256-gcm", "--key-environment-variable", "AITK_MODEL_KEY", ...args],
      e,
    );

  it("round-trips a file and a directory", () => {
    const src = p("model", "model.safetensors");
    expect(enc(["--model", src, "--output", p("w.enc")]).code).toBe(0);
    expect(dec(["--model", p("w.enc"), "--output", p("w.out")]).code).toBe(0);
    expect(readFileSync(p("w.out")).equals(readFileSync(src))).toBe(true);
    expect(enc(["--model", p("model"), "--output", p("enc-dir")]).code).toBe(0);
    expect(dec(["--model", p("enc-dir"), "--output", p("dec-dir")]).code).toBe(0);
    expect(readFileSync(p("dec-dir", "tokenizer", "vocab.txt"), "utf8")).toBe("a\nb\n");
  });

  it("detects tampering and leaves no partial plaintext", () => {
    enc(["--model", p("model", "model.safetensors"), "--output", p("t.enc")]);
    const buf = readFileSync(p("t.enc"));
    buf[200_000] = buf[200_000]! ^ 0x80;
    writeFileSync(p("t.enc"), buf);
    const r = dec(["--model", p("t.enc"), "--output", p("t.out")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/authentication failed at chunk 0/);
    expect(() => readFileSync(p("t.out"))).toThrow();
    appendFileSync(p("w.enc"), "junk");
    expect(dec(["--model", p("w.enc"), "--output", p("w2.out")]).code).toBe(1);
  });

  it("bad keys and flags exit 2 naming the problem", () => {
    expect(enc(["--model", p("w.out"), "--output", p("x")], {}).err).toMatch(/AITK_MODEL_KEY is not set/);
    const short = enc(["--model", p("w.out"), "--output", p("x")], { AITK_MODEL_KEY: "abcd" });
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/64 hexadecimal/);
    const alg = aitk(
      [
        "encrypt",
        "--model",
        p("w.out"),
        "--output",
        p("x"),
        "--algorithm",
        "des",
        "--key-environment-variable",
        "AITK_MODEL_KEY",
      ],
      env,
    );
    expect(alg.code).toBe(2);
    expect(alg.err).toMatch(/unsupported --algorithm des/);
  });
});

describe("aitk doctor", () => {
  it("flags an unhardened compose service and explains the fix; exit 1", () => {
    writeFileSync(p("compose.yml"), "services:\n  llm:\n    image: x\n    privileged: true\n");
    const r = aitk(["doctor", "-f", p("compose.yml"), "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out);
    expect(out.summary.failed).toBe(5);
    expect(out.findings.find((f: { check: string }) => f.check === "privileged").fix).toMatch(/device/);
  });

  it("passes a hardened Kubernetes manifest; bad YAML exits 2 with line:column", () => {
    writeFileSync(
      p("k8s.yaml"),
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: llm}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: vllm
          securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {name: llm}
`,
    );
    expect(aitk(["doctor", "-f", p("k8s.yaml")]).code).toBe(0);
    writeFileSync(p("bad.yaml"), "a: [1, 2\nb: 3\n");
    const bad = aitk(["doctor", "-f", p("bad.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/bad\.yaml:\d+:\d+:/);
  });
});
