// The loaded model and what runs on it: text generation over a pool of context sequences, and embeddings.
// node-llama-cpp is imported lazily so the HTTP server can answer /health while it loads (~15 s cold).

import type {
  ChatHistoryItem,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
  Token,
} from "node-llama-cpp";
import { Pool } from "./pool";
import { scanForStop } from "./stop";

export interface TRuntimeOptions {
  modelPath: string;
  modelName: string;
  threads: number;
  sequences: number;
  contextSize: number;
  maxQueue: number;
  log: (level: "info" | "warn" | "error" | "debug", msg: string, extra?: Record<string, unknown>) => void;
}

export interface TGenerateRequest {
  prompt: Token[];
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: readonly string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  signal: AbortSignal;
  /** Called with each piece of final text; awaited, so a slow client slows generation down. */
  onText?: (delta: string) => void | Promise<void>;
}

export interface TGenerateResult {
  text: string;
  finishReason: "stop" | "length";
  completionTokens: number;
  /** ms from the start of evaluation (after a slot was free) to the first generated token. */
  firstTokenMs: number | undefined;
  queueMs: number;
}

export interface TChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface TEngineRuntime {
  modelName: string;
  contextSize: number;
  embeddingSize: number;
  vocabSize: number;
  loadMs: { getLlama: number; loadModel: number; createContext: number };
  pool: Pool<LlamaContextSequence>;
  chatPrompt(messages: readonly TChatMessage[]): Token[];
  textPrompt(text: string): Token[];
  checkTokens(tokens: readonly number[]): Token[];
  generate(req: TGenerateRequest): Promise<TGenerateResult>;
  /** Like generate, on a slot the caller already holds (from `pool.acquire`). */
  generateOn(seq: LlamaContextSequence, req: TGenerateRequest, queuedAt?: number): Promise<TGenerateResult>;
  embed(input: string | readonly number[]): Promise<{ vector: number[]; tokens: number }>;
  dispose(): Promise<void>;
}

export async function loadRuntime(opts: TRuntimeOptions): Promise<TEngineRuntime> {
  const nlc = await import("node-llama-cpp");
  let t = performance.now();
  const llama: Llama = await nlc.getLlama({
    gpu: false,
    build: "never",
    maxThreads: opts.threads,
    logLevel: nlc.LlamaLogLevel.warn,
    logger: (level, message) => {
      const text = message.trim();
      if (text) opts.log(level === "error" || level === "fatal" ? "error" : "warn", `llama.cpp: ${text}`);
    },
  });
  const getLlamaMs = performance.now() - t;
  t = performance.now();
  const model: LlamaModel = await llama.loadModel({ modelPath: opts.modelPath });
  const loadModelMs = performance.now() - t;
  t = performance.now();
  const contextSize = Math.min(opts.contextSize, model.trainContextSize);
  const context: LlamaContext = await model.createContext({
    contextSize,
    sequences: opts.sequences,
    threads: opts.threads,
  });
  const createContextMs = performance.now() - t;
  const sequences = Array.from({ length: opts.sequences }, () => context.getSequence());
  const pool = new Pool(sequences, opts.maxQueue);
  const chatWrapper = nlc.resolveChatWrapper(model);
  let embeddingContext: Promise<LlamaEmbeddingContext> | undefined;
  const vocabSize = [...model.iterateAllTokens()].length;

  const withBos = (tokens: Token[]): Token[] => {
    const bos = model.tokens.bos;
    return model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos
      ? [bos, ...tokens]
      : tokens;
  };

  const runtime: TEngineRuntime = {
    modelName: opts.modelName,
    contextSize: context.contextSize,
    embeddingSize: model.embeddingVectorSize,
    vocabSize,
    loadMs: { getLlama: getLlamaMs, loadModel: loadModelMs, createContext: createContextMs },
    pool,

    chatPrompt(messages) {
      const history: ChatHistoryItem[] = messages.map((m) =>
        m.role === "assistant" ? { type: "model", response: [m.content] } : { type: m.role, text: m.content },
      );
      history.push({ type: "model", response: [] });
      const { contextText } = chatWrapper.generateContextState({ chatHistory: history });
      return contextText.tokenize(model.tokenizer);
    },

    textPrompt(text) {
      return withBos(model.tokenize(text, false));
    },

    checkTokens(tokens) {
      for (const tok of tokens)
        if (!Number.isInteger(tok) || tok < 0 || tok >= vocabSize)
          throw new RangeError(`token id ${tok} is not in the vocabulary`);
      return tokens as Token[];
    },

    async generate(req) {
      const queuedAt = performance.now();
      return pool.use(req.signal, (seq) => runtime.generateOn(seq, req, queuedAt));
    },

    async generateOn(seq, req, queuedAt = performance.now()) {
      const startedAt = performance.now();
      await seq.clearHistory();
      const generated: Token[] = [];
      let sent = 0;
      let decoded = 0; // tokens already turned into text
      let text = "";
      let firstTokenMs: number | undefined;
      let finishReason: "stop" | "length" = "length";
      const penalize = req.presencePenalty || req.frequencyPenalty;
      const iterator = seq.evaluate(req.prompt, {
        temperature: req.temperature,
        topP: req.topP < 1 ? req.topP : undefined,
        seed: req.seed,
        repeatPenalty: penalize
          ? {
              punishTokens: () => generated,
              penalty: 1,
              presencePenalty: req.presencePenalty,
              frequencyPenalty: req.frequencyPenalty,
            }
          : undefined,
      });
      let ended = true; // the model produced an end-of-generation token
      try {
        for await (const token of iterator) {
          if (firstTokenMs === undefined) firstTokenMs = performance.now() - startedAt;
          if (req.signal.aborted) {
            ended = false;
            break;
          }
          generated.push(token);
          // Detokenize what is new, with the previous tokens as context (SPM spacing); a piece ending in
          // U+FFFD is part of a multi-byte character whose other bytes come in the next tokens.
          const piece = model.detokenize(
            generated.slice(decoded),
            false,
            generated.slice(Math.max(0, decoded - 8), decoded),
          );
          if (piece.endsWith("\uFFFD") && generated.length - decoded < 4 && generated.length < req.maxTokens)
            continue;
          text += piece;
          decoded = generated.length;
          const scan = scanForStop(text, req.stop, sent);
          if (scan.stopAt !== undefined) {
            text = text.slice(0, Math.max(scan.stopAt, sent));
            finishReason = "stop";
            ended = false;
            break;
          }
          if (scan.safeEnd > sent) {
            const delta = text.slice(sent, scan.safeEnd);
            sent = scan.safeEnd;
            await req.onText?.(delta);
          }
          if (generated.length >= req.maxTokens) {
            ended = false;
            break;
          }
        }
      } finally {
        await iterator.return();
      }
      if (ended) {
        finishReason = "stop";
        // Bytes of an unfinished character right before the end: keep what they decode to.
        if (decoded < generated.length) {
          text += model.detokenize(
            generated.slice(decoded),
            false,
            generated.slice(Math.max(0, decoded - 8), decoded),
          );
          const stopAt = scanForStop(text, req.stop, sent).stopAt;
          if (stopAt !== undefined) text = text.slice(0, Math.max(stopAt, sent));
        }
      }
      if (text.length > sent && !req.signal.aborted) await req.onText?.(text.slice(sent));
      return {
        text,
        finishReason,
        completionTokens: generated.length,
        firstTokenMs,
        queueMs: startedAt - queuedAt,
      };
    },

    async embed(input) {
      embeddingContext ??= model.createEmbeddingContext({ contextSize, threads: opts.threads });
      const ctx = await embeddingContext;
      const tokens = typeof input === "string" ? input : runtime.checkTokens(input);
      const count = ctx.calculateInputLength(tokens as string | Token[]);
      if (count >= contextSize)
        throw new RangeError(`input has ${count} tokens; the limit is ${contextSize - 1}`);
      const { vector } = await ctx.getEmbeddingFor(tokens as string | Token[]);
      // OpenAI embeddings have unit length, so cosine similarity is a dot product; do the same.
      const norm = Math.hypot(...vector) || 1;
      return { vector: vector.map((x) => x / norm), tokens: count };
    },

    async dispose() {
      if (embeddingContext) await (await embeddingContext).dispose();
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
  opts.log("info", "model loaded", {
    model: opts.modelName,
    path: opts.modelPath,
    contextSize: runtime.contextSize,
    sequences: opts.sequences,
    threads: opts.threads,
    embeddingSize: runtime.embeddingSize,
    vocabSize,
    chatWrapper: chatWrapper.wrapperName,
    ms: runtime.loadMs,
  });
  return runtime;
}
