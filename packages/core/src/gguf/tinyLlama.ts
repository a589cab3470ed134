// Generates a tiny Llama-architecture GGUF with random (seeded) weights and a real SPM tokenizer, so the
// product can run real llama.cpp inference with no GPU and nothing downloaded. Same options → same bytes.

import { validationError } from "../errors";
import { createRng } from "./rng";
import { GgmlType, GgufValueType, type TGgufKv, type TGgufTensor } from "./types";
import { buildVocab, TokenType, type TTokenKind } from "./vocab";
import { kv, writeGguf } from "./writer";

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Bumped whenever the generator's output changes, so stale generated files can be recognised. */
export const TINY_LLAMA_GENERATOR_VERSION = 2;

export interface TTinyLlamaOptions {
  seed?: number;
  name?: string;
  layers?: number;
  hidden?: number;
  heads?: number;
  headsKv?: number;
  ffn?: number;
  contextLength?: number;
  /** Matrices in F16 (norms stay F32). */
  f16?: boolean;
}

export const TINY_LLAMA_DEFAULTS = {
  seed: 42,
  name: "aitk-tiny",
  layers: 2,
  hidden: 128,
  heads: 4,
  headsKv: 4,
  ffn: 256,
  contextLength: 2048,
  f16: true,
} satisfies Required<TTinyLlamaOptions>;

// Weights on the reserved hidden dimension in output.weight: a large penalty for tokens that are not
// plain text, and a small push towards whole words over word fragments and stray characters.
const RESERVED_WEIGHT: Record<TTokenKind, number> = {
  special: -100,
  word: 2,
  suffix: 0,
  punct: 0,
  char: -2,
  fragment: -3,
};

export function tinyLlamaConfig(opts: TTinyLlamaOptions = {}): Required<TTinyLlamaOptions> {
  const c = {
    ...TINY_LLAMA_DEFAULTS,
    ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
  };
  const int = (field: keyof TTinyLlamaOptions, min: number, max: number) => {
    const v = c[field];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
      throw validationError(`${field} must be an integer between ${min} and ${max}`, { field });
  };
  int("seed", 0, 0xffffffff);
  int("layers", 1, 64);
  int("hidden", 8, 4096);
  int("heads", 1, 128);
  int("headsKv", 1, 128);
  int("ffn", 8, 16384);
  int("contextLength", 16, 1 << 20);
  if (c.hidden % c.heads !== 0)
    throw validationError("hidden must be a multiple of heads", { field: "hidden" });
  if (c.heads % c.headsKv !== 0)
    throw validationError("heads must be a multiple of headsKv", { field: "headsKv" });
  if ((c.hidden / c.heads) % 2 !== 0)
    throw validationError("hidden / heads must be even (RoPE)", { field: "heads" });
  return c;
}

/** Returns the bytes of a GGUF v3 file. */
export function generateTinyLlamaGguf(opts: TTinyLlamaOptions = {}): Uint8Array {
  const c = tinyLlamaConfig(opts);
  const vocab = buildVocab();
  const V = vocab.tokens.length;
  const E = c.hidden;
  const F = c.ffn;
  const headDim = E / c.heads;
  const Ekv = headDim * c.headsKv;
  // The last hidden dimension is reserved: every embedding has 1 there and no block writes into it,
  // so after the final norm it is a positive constant that `output.weight` turns into a large negative
  // logit for control and byte tokens. Random weights then emit only printable text.
  const R = E - 1;
  const rng = createRng(c.seed);
  const matType = c.f16 ? GgmlType.F16 : GgmlType.F32;

  // Uniform(-a, a) with variance 1/fan_in keeps activations O(1) through the random layers.
  const matrix = (fanIn: number, fanOut: number) => {
    const a = Math.sqrt(3 / fanIn);
    const data = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < data.length; i++) data[i] = (rng() * 2 - 1) * a;
    return data;
  };
  const zeroOutputRow = (data: Float32Array, fanIn: number) => data.fill(0, R * fanIn, (R + 1) * fanIn);
  const ones = () => new Float32Array(E).fill(1);

  const tensors: TGgufTensor[] = [];
  const tokenEmbd = matrix(1, V * E); // fan-in 1: unit-variance embeddings
  for (let v = 0; v < V; v++) tokenEmbd[v * E + R] = 1;
  tensors.push({ name: "token_embd.weight", dims: [E, V], type: matType, data: tokenEmbd });

  for (let l = 0; l < c.layers; l++) {
    const p = `blk.${l}.`;
    const wo = matrix(E, E);
    zeroOutputRow(wo, E);
    const down = matrix(F, E);
    zeroOutputRow(down, F);
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [E], type: GgmlType.F32, data: ones() },
      { name: `${p}attn_q.weight`, dims: [E, E], type: matType, data: matrix(E, E) },
      { name: `${p}attn_k.weight`, dims: [E, Ekv], type: matType, data: matrix(E, Ekv) },
      { name: `${p}attn_v.weight`, dims: [E, Ekv], type: matType, data: matrix(E, Ekv) },
      { name: `${p}attn_output.weight`, dims: [E, E], type: matType, data: wo },
      { name: `${p}ffn_norm.weight`, dims: [E], type: GgmlType.F32, data: ones() },
      { name: `${p}ffn_gate.weight`, dims: [E, F], type: matType, data: matrix(E, F) },
      { name: `${p}ffn_up.weight`, dims: [E, F], type: matType, data: matrix(E, F) },
      { name: `${p}ffn_down.weight`, dims: [F, E], type: matType, data: down },
    );
  }

  const output = matrix(E, V);
  for (let v = 0; v < V; v++)
    output[v * E + R] =
      vocab.types[v] === TokenType.NORMAL
        ? RESERVED_WEIGHT[vocab.kinds[v] ?? "fragment"]
        : RESERVED_WEIGHT.special;
  tensors.push(
    { name: "output_norm.weight", dims: [E], type: GgmlType.F32, data: ones() },
    { name: "output.weight", dims: [E, V], type: matType, data: output },
  );

  const metadata: TGgufKv[] = [
    kv.str("general.architecture", "llama"),
    kv.str("general.name", c.name),
    kv.u32("general.alignment", 32),
    kv.u32("general.file_type", c.f16 ? 1 : 0),
    kv.u32("general.quantization_version", 2),
    kv.str("general.description", "aitk generated tiny Llama: random weights, real SentencePiece vocabulary"),
    kv.u32("aitk.generator.seed", c.seed),
    kv.u32("aitk.generator.version", TINY_LLAMA_GENERATOR_VERSION),
    kv.u32("llama.context_length", c.contextLength),
    kv.u32("llama.embedding_length", E),
    kv.u32("llama.block_count", c.layers),
    kv.u32("llama.feed_forward_length", F),
    kv.u32("llama.attention.head_count", c.heads),
    kv.u32("llama.attention.head_count_kv", c.headsKv),
    kv.u32("llama.rope.dimension_count", headDim),
    kv.f32("llama.rope.freq_base", 10000),
    kv.f32("llama.attention.layer_norm_rms_epsilon", 1e-5),
    kv.u32("llama.vocab_size", V),
    kv.str("tokenizer.ggml.model", "llama"),
    kv.arr("tokenizer.ggml.tokens", GgufValueType.STRING, vocab.tokens),
    kv.arr("tokenizer.ggml.scores", GgufValueType.FLOAT32, vocab.scores),
    kv.arr("tokenizer.ggml.token_type", GgufValueType.INT32, vocab.types),
    kv.u32("tokenizer.ggml.bos_token_id", vocab.bosId),
    kv.u32("tokenizer.ggml.eos_token_id", vocab.eosId),
    kv.u32("tokenizer.ggml.unknown_token_id", vocab.unkId),
    kv.bool("tokenizer.ggml.add_bos_token", true),
    kv.bool("tokenizer.ggml.add_eos_token", false),
    kv.str("tokenizer.chat_template", CHATML_TEMPLATE),
  ];
  return writeGguf({ metadata, tensors });
}
