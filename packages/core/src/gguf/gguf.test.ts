import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { float16BitsToFloat32, float32ToFloat16Bits } from "./f16";
import { parseGgufHeader } from "./reader";
import { generateTinyLlamaGguf } from "./tinyLlama";
import { GgmlType, GgufValueType, type TGgufKv } from "./types";
import { validateGgufHeader } from "./validate";
import { buildVocab } from "./vocab";
import { kv, writeGguf } from "./writer";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const baseKeys = (): TGgufKv[] => [
  kv.str("general.architecture", "llama"),
  kv.u32("llama.context_length", 128),
  kv.u32("llama.embedding_length", 8),
  kv.u32("llama.block_count", 1),
  kv.u32("llama.feed_forward_length", 16),
  kv.u32("llama.attention.head_count", 2),
  kv.f32("llama.attention.layer_norm_rms_epsilon", 1e-5),
  kv.str("tokenizer.ggml.model", "llama"),
  kv.arr("tokenizer.ggml.tokens", GgufValueType.STRING, ["<unk>", "<s>", "</s>"]),
];
const embd = { name: "token_embd.weight", dims: [8, 3], type: GgmlType.F32, data: new Float32Array(24) };

function validationFailure(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error("expected a validation error");
}

describe("GGUF writer", () => {
  it("writes a v3 header, every value type, and 32-byte aligned tensor data", () => {
    const bytes = writeGguf({
      metadata: [
        kv.str("s", "héllo"),
        { key: "u8", value: { type: GgufValueType.UINT8, value: 255 } },
        { key: "i16", value: { type: GgufValueType.INT16, value: -2 } },
        { key: "u64", value: { type: GgufValueType.UINT64, value: 2n ** 40n } },
        { key: "f64", value: { type: GgufValueType.FLOAT64, value: 0.1 } },
        kv.bool("b", true),
        kv.arr("a", GgufValueType.INT32, [1, -2, 3]),
        kv.arr("as", GgufValueType.STRING, ["x", "yz"]),
      ],
      tensors: [
        { name: "t32", dims: [3], type: GgmlType.F32, data: new Float32Array([1, 2, 3]) },
        { name: "t16", dims: [2, 2], type: GgmlType.F16, data: new Float32Array([0.5, -1, 2, 65504]) },
      ],
    });
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("GGUF");
    const h = parseGgufHeader(bytes);
    expect(h.version).toBe(3);
    expect(Object.fromEntries(h.metadata)).toEqual({
      s: "héllo",
      u8: 255,
      i16: -2,
      u64: 2n ** 40n,
      f64: 0.1,
      b: true,
      a: [1, -2, 3],
      as: ["x", "yz"],
    });
    expect(h.dataOffset % 32).toBe(0);
    expect(h.tensors.map((t) => [t.name, t.dims, t.type, t.offset])).toEqual([
      ["t32", [3], 0, 0],
      ["t16", [2, 2], 1, 32],
    ]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getFloat32(h.dataOffset + 8, true)).toBe(3);
    expect(float16BitsToFloat32(view.getUint16(h.dataOffset + 32 + 6, true))).toBe(65504);
    expect(bytes.length).toBe(h.dataOffset + 64);
  });

  it("rejects data that does not match the dims, and duplicate keys", () => {
    expect(() => writeGguf({ metadata: [], tensors: [{ ...embd, data: new Float32Array(3) }] })).toThrow(
      /need 24 values/,
    );
    expect(() => writeGguf({ metadata: [kv.u32("k", 1), kv.u32("k", 2)], tensors: [] })).toThrow(/duplicate/);
  });

  it("converts float16 with round-to-nearest-even", () => {
    for (const x of [0, 1, -2.5, 0.1, 65504, 6.1e-5, 5.96e-8]) {
      expect(Math.abs(float16BitsToFloat32(float32ToFloat16Bits(x)) - x)).toBeLessThanOrEqual(
        Math.abs(x) * 1e-3 + 3e-8,
      );
    }
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
  });
});

describe("tiny Llama generator", () => {
  it("is byte-identical for the same seed", () => {
    const a = generateTinyLlamaGguf();
    expect(sha256(a)).toBe("3e2e3fff96b98ac110bd69abf6c195dc8053113d43587b99292376961e326753");
    expect(sha256(generateTinyLlamaGguf({ seed: 42 }))).toBe(sha256(a));
    expect(sha256(generateTinyLlamaGguf({ seed: 7 }))).not.toBe(sha256(a));
  });

  it("produces a model that passes validation with the expected shape", () => {
    const bytes = generateTinyLlamaGguf({ layers: 3, hidden: 64, ffn: 128, f16: false });
    const s = validateGgufHeader(bytes, { fileSize: bytes.length });
    expect(s).toMatchObject({
      architecture: "llama",
      blockCount: 3,
      embeddingLength: 64,
      feedForwardLength: 128,
      headCount: 4,
    });
    expect(s.minFileSize).toBe(bytes.length);
    expect(s.chatTemplate).toContain("<|im_start|>");
    expect(s.header.tensors).toHaveLength(2 + 9 * 3 + 1);
  });

  it("has a unique SPM vocabulary with byte tokens and ChatML markers", () => {
    const v = buildVocab();
    expect(new Set(v.tokens).size).toBe(v.tokens.length);
    expect(v.tokens.slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
    expect(v.tokens).toContain("<0x0A>");
    expect(v.tokens).toContain("\u2581the");
    expect(v.tokens[v.imEndId]).toBe("<|im_end|>");
  });

  it("rejects bad options", () => {
    expect(validationFailure(() => generateTinyLlamaGguf({ hidden: 66, heads: 4 })).details.field).toBe(
      "hidden",
    );
  });
});

describe("validateGgufHeader", () => {
  const file = (keys: TGgufKv[]) => writeGguf({ metadata: keys, tensors: [embd] });
  const without = (key: string) => baseKeys().filter((k) => k.key !== key);

  it("accepts a minimal valid model", () => {
    expect(validateGgufHeader(file(baseKeys())).vocabSize).toBe(3);
  });

  it.each([
    "llama.feed_forward_length",
    "llama.attention.head_count",
    "general.architecture",
    "llama.context_length",
    "tokenizer.ggml.tokens",
    "llama.attention.layer_norm_rms_epsilon",
  ])("names the missing key %s", (key) => {
    const e = validationFailure(() => validateGgufHeader(file(without(key))));
    expect(e.message).toContain(key);
    expect(e.details.field).toBe(key);
  });

  it("rejects wrong types, bad ids, bad magic and truncation", () => {
    const wrongType = [...without("llama.block_count"), kv.str("llama.block_count", "2")];
    expect(validationFailure(() => validateGgufHeader(file(wrongType))).message).toMatch(
      /block_count must be an integer/,
    );
    const badEos = [...baseKeys(), kv.u32("tokenizer.ggml.eos_token_id", 9)];
    expect(validationFailure(() => validateGgufHeader(file(badEos))).message).toMatch(
      /outside the vocabulary/,
    );
    expect(
      validationFailure(() => validateGgufHeader(new TextEncoder().encode("not a model"))).message,
    ).toMatch(/magic/);
    const full = file(baseKeys());
    expect(validationFailure(() => validateGgufHeader(full.subarray(0, 100))).details.truncated).toBe(true);
    expect(validationFailure(() => validateGgufHeader(full, { fileSize: full.length - 1 })).message).toMatch(
      /truncated/,
    );
  });
});
