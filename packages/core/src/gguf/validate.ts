// Checks that a GGUF model has what llama.cpp needs BEFORE it is loaded: a missing
// `<arch>.feed_forward_length` or `<arch>.attention.head_count` aborts the process inside llama.cpp
// (uncatchable), so every loader goes through here first.

import { validationError } from "../errors";
import { parseGgufHeader, type TGgufHeader, type TGgufParsedValue } from "./reader";
import { GgufValueType } from "./types";

export interface TGgufModelSummary {
  architecture: string;
  name?: string;
  contextLength: number;
  embeddingLength: number;
  blockCount: number;
  feedForwardLength?: number;
  headCount?: number;
  headCountKv?: number;
  vocabSize: number;
  tokenizerModel: string;
  chatTemplate?: string;
  bosTokenId?: number;
  eosTokenId?: number;
  tensorCount: number;
  /** Bytes the file must have at least (end of the last tensor's data), when all tensor types are known. */
  minFileSize?: number;
  header: TGgufHeader;
}

// Architectures whose layers are not attention + FFN; llama.cpp does not read these two keys for them.
const NO_ATTENTION_FFN = new Set(["mamba", "mamba2", "rwkv6", "rwkv6qwen2", "rwkv7", "arwkv7"]);

// [elements per block, bytes per block] for the ggml types in common use.
const GGML_BLOCK: Record<number, [number, number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  9: [32, 36], // Q8_1
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  15: [256, 292], // Q8_K
  24: [1, 1], // I8
  25: [1, 2], // I16
  26: [1, 4], // I32
  27: [1, 8], // I64
  28: [1, 8], // F64
  30: [1, 2], // BF16
};

const INTEGER_TYPES = new Set([
  GgufValueType.UINT8,
  GgufValueType.INT8,
  GgufValueType.UINT16,
  GgufValueType.INT16,
  GgufValueType.UINT32,
  GgufValueType.INT32,
  GgufValueType.UINT64,
  GgufValueType.INT64,
]);

export function validateGgufHeader(bytes: Uint8Array, opts: { fileSize?: number } = {}): TGgufModelSummary {
  const header = parseGgufHeader(bytes);
  const md = header.metadata;
  const missing = (key: string, why = "") =>
    validationError(`GGUF model is missing required key ${key}${why}`, { field: key });

  const str = (key: string, required: boolean): string | undefined => {
    const v = md.get(key);
    if (v === undefined) {
      if (required) throw missing(key);
      return undefined;
    }
    if (typeof v !== "string") throw validationError(`GGUF key ${key} must be a string`, { field: key });
    return v;
  };
  const int = (key: string, required: boolean, why = ""): number | undefined => {
    const v = md.get(key);
    if (v === undefined) {
      if (required) throw missing(key, why);
      return undefined;
    }
    const t = header.types.get(key)?.type;
    if (t === undefined || !INTEGER_TYPES.has(t))
      throw validationError(`GGUF key ${key} must be an integer`, { field: key });
    const n = Number(v as number | bigint);
    if (n < 0) throw validationError(`GGUF key ${key} must not be negative`, { field: key });
    return n;
  };
  const positive = (key: string, required: boolean, why = ""): number | undefined => {
    const n = int(key, required, why);
    if (n !== undefined && n <= 0)
      throw validationError(`GGUF key ${key} must be greater than 0`, { field: key });
    return n;
  };

  const arch = str("general.architecture", true) as string;
  if (!/^[a-z0-9_-]+$/i.test(arch))
    throw validationError(`general.architecture "${arch}" is not a valid name`, {
      field: "general.architecture",
    });
  const contextLength = positive(`${arch}.context_length`, true) as number;
  const embeddingLength = positive(`${arch}.embedding_length`, true) as number;
  const blockCount = positive(`${arch}.block_count`, true) as number;
  const abortWhy = " (llama.cpp aborts the process without it)";
  const attn = !NO_ATTENTION_FFN.has(arch);
  const feedForwardLength = positive(`${arch}.feed_forward_length`, attn, abortWhy);
  const headCount = positive(`${arch}.attention.head_count`, attn, abortWhy);
  const headCountKv = positive(`${arch}.attention.head_count_kv`, false);
  if (headCount !== undefined && headCountKv !== undefined && headCount % headCountKv !== 0)
    throw validationError(
      `${arch}.attention.head_count (${headCount}) must be a multiple of head_count_kv (${headCountKv})`,
      {
        field: `${arch}.attention.head_count_kv`,
      },
    );
  const rmsKey = `${arch}.attention.layer_norm_rms_epsilon`;
  const lnKey = `${arch}.attention.layer_norm_epsilon`;
  if (arch === "llama" ? !md.has(rmsKey) : attn && !md.has(rmsKey) && !md.has(lnKey)) throw missing(rmsKey);
  if (
    arch === "llama" &&
    headCount !== undefined &&
    !md.has(`${arch}.rope.dimension_count`) &&
    embeddingLength % headCount !== 0
  )
    throw validationError(
      `${arch}.embedding_length (${embeddingLength}) must be a multiple of head_count (${headCount})`,
      {
        field: `${arch}.attention.head_count`,
      },
    );

  const tokenizerModel = str("tokenizer.ggml.model", true) as string;
  const tokens = md.get("tokenizer.ggml.tokens");
  if (tokens === undefined) throw missing("tokenizer.ggml.tokens");
  if (!Array.isArray(tokens) || header.types.get("tokenizer.ggml.tokens")?.itemType !== GgufValueType.STRING)
    throw validationError("tokenizer.ggml.tokens must be an array of strings", {
      field: "tokenizer.ggml.tokens",
    });
  if (tokens.length === 0)
    throw validationError("tokenizer.ggml.tokens is empty", { field: "tokenizer.ggml.tokens" });
  const vocabSize = tokens.length;
  for (const key of ["tokenizer.ggml.scores", "tokenizer.ggml.token_type"]) {
    const v = md.get(key) as TGgufParsedValue[] | undefined;
    if (v !== undefined && (!Array.isArray(v) || v.length !== vocabSize))
      throw validationError(`${key} must be an array with one entry per token (${vocabSize})`, {
        field: key,
      });
  }
  const tokenId = (key: string) => {
    const id = int(key, false);
    if (id !== undefined && id >= vocabSize)
      throw validationError(`${key} ${id} is outside the vocabulary (size ${vocabSize})`, { field: key });
    return id;
  };
  const bosTokenId = tokenId("tokenizer.ggml.bos_token_id");
  const eosTokenId = tokenId("tokenizer.ggml.eos_token_id");

  if (!header.tensors.some((t) => t.name === "token_embd.weight"))
    throw validationError("GGUF model has no token_embd.weight tensor", { field: "token_embd.weight" });
  let minFileSize: number | undefined = header.dataOffset;
  for (const t of header.tensors) {
    const block = GGML_BLOCK[t.type];
    if (!block) {
      minFileSize = undefined;
      break;
    }
    const elements = t.dims.reduce((a, b) => a * b, 1);
    minFileSize = Math.max(
      minFileSize,
      header.dataOffset + t.offset + Math.ceil(elements / block[0]) * block[1],
    );
  }
  if (opts.fileSize !== undefined && minFileSize !== undefined && opts.fileSize < minFileSize)
    throw validationError(
      `GGUF file is truncated: tensor data needs ${minFileSize} bytes, the file has ${opts.fileSize}`,
      {
        field: "file",
      },
    );

  return {
    architecture: arch,
    name: str("general.name", false),
    contextLength,
    embeddingLength,
    blockCount,
    feedForwardLength,
    headCount,
    headCountKv,
    vocabSize,
    tokenizerModel,
    chatTemplate: str("tokenizer.chat_template", false),
    bosTokenId,
    eosTokenId,
    tensorCount: header.tensors.length,
    minFileSize,
    header,
  };
}
