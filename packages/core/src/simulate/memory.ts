import type { TEngine, TModel, TQuant } from "./types";

export const GiB = 2 ** 30;

export interface TWeightBreakdown {
  params: number;
  /** Parameters touched per token (MoE: shared + active experts), excluding the embedding gather. */
  activeLinearParamsPerToken: number;
  embeddingBytes: number;
  lmHeadBytes: number;
  /** All decoder layers (attention + MLP/experts + norms + biases). */
  layerBytes: number;
  /** Bytes of one MoE expert's MLP in one layer (0 for dense models). */
  expertBytes: number;
  totalBytes: number;
}

const cache = new WeakMap<TModel, Map<TQuant, TWeightBreakdown>>();

/**
 * Weight bytes of a model stored in a quantization, tensor by tensor: linear weights at the quant's bits
 * (+ GPTQ g_idx, + per-channel scales, + GGUF promoted tensors), embeddings and lm_head at their own precision,
 * norms and biases at 16 bits (32 in GGUF).
 */
export function weightBytes(m: TModel, q: TQuant): TWeightBreakdown {
  let byQuant = cache.get(m);
  if (!byQuant) {
    byQuant = new Map();
    cache.set(m, byQuant);
  }
  const hit = byQuant.get(q);
  if (hit) return hit;

  const h = m.hidden;
  const qOut = m.heads * m.headDim;
  const kvOut = m.kvHeads * m.headDim;
  const experts = m.experts ?? 1;
  // [in, out] of every linear in one layer; MLP matrices repeat per expert.
  const attn: [number, number][] = [
    [h, qOut],
    [h, kvOut],
    [h, kvOut],
    [qOut, h],
  ];
  const mlp: [number, number][] =
    m.mlp === "gated"
      ? [
          [h, m.intermediate],
          [h, m.intermediate],
          [m.intermediate, h],
        ]
      : [
          [h, m.intermediate],
          [m.intermediate, h],
        ];
  const bitsOf = (mats: [number, number][]) => {
    let bits = 0;
    let params = 0;
    for (const [i, o] of mats) {
      params += i * o;
      bits += i * o * q.linearBits;
      if (q.gIdx) bits += 32 * i;
      if (q.channelScaleBits) bits += q.channelScaleBits * o;
    }
    return { bits, params };
  };
  const a = bitsOf(attn);
  const e = bitsOf(mlp);
  const normBits = q.format === "gguf" ? 32 : 16;
  const normsPerLayer = m.mlp === "gated" ? 2 * h : 4 * h; // RMSNorm weight x2, or LayerNorm weight+bias x2
  const biasPerLayer = (m.qkvBias ? qOut + 2 * kvOut : 0) + (m.mlp === "plain" ? m.intermediate + 2 * h : 0);
  const router = m.experts ? h * m.experts : 0;
  let promotedBits = 0;
  if (q.promoted) {
    // attn_v and ffn_down: a share of them stored at a higher type.
    const vDown = h * kvOut + m.intermediate * h * experts;
    promotedBits = q.promoted.share * vDown * (q.promoted.bits - q.linearBits);
  }
  const layerBits =
    a.bits + e.bits * experts + (normsPerLayer + biasPerLayer) * normBits + router * 16 + promotedBits;
  const layerParams = a.params + e.params * experts + normsPerLayer + biasPerLayer + router;
  const embParams = m.vocab * h;
  const embeddingBytes = (embParams * q.embeddingBits) / 8;
  const lmHeadBytes = m.tiedEmbeddings ? 0 : (embParams * (q.lmHeadBits ?? q.linearBits)) / 8;
  const layerBytes = (m.layers * layerBits) / 8 + (h * normBits) / 8; // + final norm
  const params = m.layers * layerParams + embParams * (m.tiedEmbeddings ? 1 : 2) + h;
  const activePerLayer = a.params + e.params * (m.expertsPerToken ?? 1) + router;
  const out: TWeightBreakdown = {
    params,
    activeLinearParamsPerToken: m.layers * activePerLayer,
    embeddingBytes,
    lmHeadBytes,
    layerBytes,
    expertBytes: m.experts ? e.bits / 8 : 0,
    totalBytes: Math.round(embeddingBytes + lmHeadBytes + layerBytes),
  };
  byQuant.set(q, out);
  return out;
}

/** KV bytes per token for the whole model: layers x 2 (K and V) x kv_heads x head_dim x bytes. */
export const kvBytesPerToken = (m: TModel, bytesPerElement: number) =>
  m.layers * 2 * m.kvHeads * m.headDim * bytesPerElement;

/**
 * KV bytes per token held by one GPU: heads split over tensor-parallel ranks (replicated when tp > kv_heads),
 * layers split over pipeline stages.
 */
export function kvBytesPerTokenPerGpu(m: TModel, bytesPerElement: number, tp: number, pp: number): number {
  const headsPerRank = Math.max(1, Math.ceil(m.kvHeads / tp));
  const layersPerStage = Math.ceil(m.layers / pp);
  return layersPerStage * 2 * headsPerRank * m.headDim * bytesPerElement;
}

export interface TActivationCoeffs {
  /** Bytes per token per unit of hidden size. */
  perHidden: number;
  /** Bytes per token per unit of intermediate size. */
  perInter: number;
}

/** Peak activation memory of one forward over `tokens` tokens (fitted coefficients; see fit.ts). */
export const activationBytes = (m: TModel, tokens: number, tp: number, c: TActivationCoeffs) =>
  tokens * (c.perHidden * m.hidden + (c.perInter * m.intermediate) / tp);

/** Non-torch runtime memory (CUDA context, cuBLAS workspaces; NCCL buffers double it at tp > 1). */
export const runtimeOverheadBytes = (e: TEngine, tp: number) => e.nonTorchGiB * GiB * (tp > 1 ? 2 : 1);

export interface TKvCapacity {
  availableBytes: number;
  tokens: number;
  blocks: number;
}

/**
 * KV cache capacity per GPU as the engine computes it.
 * preallocate (vLLM): util x total - weights - activation peak - non-torch. on-demand: what is left of memory.
 * tokens = floor(bytes / per-token bytes) (the figure vLLM's log derives from "KV Cache is X GiB");
 * blocks = floor(bytes / (block_size x per-token bytes)) (vLLM's get_num_blocks).
 */
export function kvCapacity(
  usableBytes: number,
  utilization: number,
  weightsPerGpu: number,
  activation: number,
  overhead: number,
  perTokenPerGpu: number,
  blockSize: number,
): TKvCapacity {
  const availableBytes = usableBytes * utilization - weightsPerGpu - activation - overhead;
  if (availableBytes <= 0 || perTokenPerGpu <= 0) return { availableBytes, tokens: 0, blocks: 0 };
  return {
    availableBytes,
    tokens: Math.floor(availableBytes / perTokenPerGpu),
    blocks: Math.floor(availableBytes / (perTokenPerGpu * blockSize)),
  };
}

/** vLLM's "Maximum concurrency for N tokens per request": blocks / ceil(N / block_size). */
export const maxConcurrency = (blocks: number, maxModelLen: number, blockSize: number) =>
  blocks / Math.ceil(maxModelLen / blockSize);
