// The OpenAI-compatible endpoints: request → runtime call → OpenAI-shaped response (JSON or SSE).
import { randomBytes } from "node:crypto";
import type { Token } from "node-llama-cpp";
import type { ServerResponse } from "node:http";
import { ApiError, badRequest } from "./errors";
import { Sse, sendJson } from "./http";
import { QueueFullError } from "./pool";
import type { TChatMessage, TEngineRuntime, TGenerateResult } from "./runtime";
import {
  contentText,
  parseBody,
  type TChatRequest,
  type TCompletionRequest,
  ZChatRequest,
  ZCompletionRequest,
  ZEmbeddingRequest,
} from "./schemas";

export interface THandlerContext {
  runtime: TEngineRuntime;
  res: ServerResponse;
  signal: AbortSignal;
  requestId: string;
  defaultMaxTokens: number;
  /** Filled in for the request log. */
  stats: Record<string, unknown>;
}

type TSlot = { seq: Parameters<TEngineRuntime["generateOn"]>[0]; queuedAt: number };

const newId = (prefix: string) => `${prefix}-${randomBytes(12).toString("base64url")}`;
const now = () => Math.floor(Date.now() / 1000);
const SYSTEM_FINGERPRINT = "fp_aitk_engine";

interface TSampling {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
}

function sampling(
  body: TChatRequest | TCompletionRequest,
  explicitMax: number | null | undefined,
  maxParam: string,
  promptTokens: number,
  ctx: THandlerContext,
  defaultMax = ctx.defaultMaxTokens,
): TSampling {
  if (body.n != null && body.n !== 1)
    throw badRequest("This engine supports only n = 1.", "n", "unsupported_value");
  const room = ctx.runtime.contextSize - promptTokens;
  if (room < 1 || (explicitMax != null && explicitMax > room))
    throw badRequest(
      `This model's maximum context length is ${ctx.runtime.contextSize} tokens. However, you requested ` +
        `${promptTokens + (explicitMax ?? 1)} tokens (${promptTokens} in the prompt, ${explicitMax ?? 1} for the completion). ` +
        "Please reduce the prompt or the completion length.",
      explicitMax != null && room >= 1 ? maxParam : "messages" in body ? "messages" : "prompt",
      "context_length_exceeded",
    );
  const stop =
    body.stop == null
      ? []
      : (typeof body.stop === "string" ? [body.stop] : body.stop).filter((s) => s !== "");
  return {
    maxTokens: explicitMax ?? Math.min(defaultMax, room),
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    // OpenAI seeds are 64-bit; llama.cpp takes 32 bits.
    seed: body.seed == null ? undefined : Number(BigInt.asUintN(32, BigInt(body.seed))),
    stop,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
  };
}

const usageOf = (promptTokens: number, r: TGenerateResult) => ({
  prompt_tokens: promptTokens,
  completion_tokens: r.completionTokens,
  total_tokens: promptTokens + r.completionTokens,
});

function mapGenerationError(e: unknown, signal: AbortSignal): never {
  if (e instanceof QueueFullError)
    throw new ApiError(
      503,
      "The engine is currently overloaded, please try again later.",
      "server_error",
      null,
      "engine_overloaded",
      {
        "retry-after": "1",
      },
    );
  if (signal.aborted)
    throw new ApiError(499, "The client closed the request.", "invalid_request_error", null, "client_closed");
  throw e;
}

function chatMessages(body: TChatRequest): TChatMessage[] {
  return body.messages.map((m, i) => {
    const text = contentText(m.content as Parameters<typeof contentText>[0], `messages[${i}].content`);
    const role =
      m.role === "developer" ? "system" : m.role === "tool" || m.role === "function" ? "user" : m.role;
    return { role, content: text };
  });
}

export async function chatCompletions(body: unknown, ctx: THandlerContext) {
  const req = parseBody(ZChatRequest, body);
  if (req.logprobs)
    throw badRequest("logprobs is not supported by this engine.", "logprobs", "unsupported_parameter");
  if (req.response_format && req.response_format.type !== "text")
    throw badRequest(
      `response_format '${req.response_format.type}' is not supported by this engine; only 'text' is.`,
      "response_format.type",
      "unsupported_value",
    );
  const prompt = ctx.runtime.chatPrompt(chatMessages(req));
  const s = sampling(
    req,
    req.max_completion_tokens ?? req.max_tokens,
    req.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens",
    prompt.length,
    ctx,
  );
  const id = newId("chatcmpl");
  const created = now();
  const model = req.model;
  ctx.stats.promptTokens = prompt.length;

  if (!req.stream) {
    const r = await ctx.runtime
      .generate({ ...s, prompt, signal: ctx.signal })
      .catch((e) => mapGenerationError(e, ctx.signal));
    ctx.stats.result = r;
    sendJson(ctx.res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: r.text, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: r.finishReason,
        },
      ],
      usage: usageOf(prompt.length, r),
      system_fingerprint: SYSTEM_FINGERPRINT,
    });
    return;
  }

  const includeUsage = req.stream_options?.include_usage === true;
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  await stream(ctx, async (sse, slot) => {
    await sse.send(chunk({ role: "assistant", content: "", refusal: null }, null));
    const onText = (t: string) => sse.send(chunk({ content: t }, null));
    const r = await ctx.runtime.generateOn(
      slot.seq,
      { ...s, prompt, signal: ctx.signal, onText },
      slot.queuedAt,
    );
    ctx.stats.result = r;
    await sse.send(chunk({}, r.finishReason));
    if (includeUsage)
      await sse.send({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        system_fingerprint: SYSTEM_FINGERPRINT,
        choices: [],
        usage: usageOf(prompt.length, r),
      });
  });
}

export async function completions(body: unknown, ctx: THandlerContext) {
  const req = parseBody(ZCompletionRequest, body);
  if (req.suffix)
    throw badRequest("suffix is not supported by this engine.", "suffix", "unsupported_parameter");
  if (req.logprobs != null)
    throw badRequest("logprobs is not supported by this engine.", "logprobs", "unsupported_parameter");
  if (req.best_of != null && req.best_of !== 1)
    throw badRequest("This engine supports only best_of = 1.", "best_of", "unsupported_value");
  let prompt: Token[];
  let promptText: string | undefined;
  const p = req.prompt;
  if (typeof p === "string") promptText = p;
  else if (p.length === 0) throw badRequest("prompt must not be empty.", "prompt");
  else if (p.length > 1 && typeof p[0] !== "number")
    throw badRequest("This engine takes one prompt per request (n = 1).", "prompt", "unsupported_value");
  else if (typeof p[0] === "string") promptText = p[0];
  if (promptText !== undefined) prompt = ctx.runtime.textPrompt(promptText);
  else {
    const tokens = (typeof p[0] === "number" ? p : p[0]) as number[];
    try {
      prompt = ctx.runtime.checkTokens(tokens);
    } catch (e) {
      throw badRequest((e as Error).message, "prompt", "invalid_value");
    }
    if (req.echo) throw badRequest("echo is supported only with a text prompt.", "echo", "unsupported_value");
  }
  // Legacy completions default to 16 tokens in OpenAI's API.
  const s = sampling(req, req.max_tokens, "max_tokens", prompt.length, ctx, 16);
  const echo = req.echo && promptText !== undefined ? promptText : "";
  const id = newId("cmpl");
  const created = now();
  const model = req.model;
  ctx.stats.promptTokens = prompt.length;

  if (!req.stream) {
    const r = await ctx.runtime
      .generate({ ...s, prompt, signal: ctx.signal })
      .catch((e) => mapGenerationError(e, ctx.signal));
    ctx.stats.result = r;
    sendJson(ctx.res, 200, {
      id,
      object: "text_completion",
      created,
      model,
      choices: [{ text: echo + r.text, index: 0, logprobs: null, finish_reason: r.finishReason }],
      usage: usageOf(prompt.length, r),
      system_fingerprint: SYSTEM_FINGERPRINT,
    });
    return;
  }
  const includeUsage = req.stream_options?.include_usage === true;
  const chunk = (text: string, finish: string | null) => ({
    id,
    object: "text_completion",
    created,
    model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  await stream(ctx, async (sse, slot) => {
    if (echo) await sse.send(chunk(echo, null));
    const onText = (t: string) => sse.send(chunk(t, null));
    const r = await ctx.runtime.generateOn(
      slot.seq,
      { ...s, prompt, signal: ctx.signal, onText },
      slot.queuedAt,
    );
    ctx.stats.result = r;
    await sse.send(chunk("", r.finishReason));
    if (includeUsage)
      await sse.send({
        id,
        object: "text_completion",
        created,
        model,
        system_fingerprint: SYSTEM_FINGERPRINT,
        choices: [],
        usage: usageOf(prompt.length, r),
      });
  });
}

/**
 * Runs a streamed generation. The first slot is awaited BEFORE the 200 goes out, so an overloaded
 * engine still answers with a plain 503 the gateway can fail over on.
 */
async function stream(ctx: THandlerContext, body: (sse: Sse, slot: TSlot) => Promise<void>) {
  const queuedAt = performance.now();
  const slot = await ctx.runtime.pool.acquire(ctx.signal).catch((e) => mapGenerationError(e, ctx.signal));
  const sse = new Sse(ctx.res);
  try {
    sse.open({ "x-request-id": ctx.requestId });
    try {
      await body(sse, { seq: slot, queuedAt });
      await sse.send("[DONE]");
    } catch (e) {
      if (!ctx.signal.aborted) {
        const err =
          e instanceof ApiError
            ? e
            : new ApiError(500, (e as Error).message || "generation failed", "server_error");
        await sse.send(err.body());
        ctx.stats.error = err.message;
      }
    }
  } finally {
    ctx.runtime.pool.release(slot);
    sse.end();
  }
}

export async function embeddings(body: unknown, ctx: THandlerContext) {
  const req = parseBody(ZEmbeddingRequest, body);
  const dims = ctx.runtime.embeddingSize;
  if (req.dimensions !== undefined && req.dimensions !== dims)
    throw badRequest(
      `This model produces ${dims}-dimensional embeddings; dimensions must be ${dims} or absent.`,
      "dimensions",
      "unsupported_value",
    );
  const inputs: (string | number[])[] =
    typeof req.input === "string"
      ? [req.input]
      : typeof req.input[0] === "number"
        ? [req.input as number[]]
        : (req.input as (string | number[])[]);
  inputs.forEach((x, i) => {
    if (x === "" || (Array.isArray(x) && x.length === 0))
      throw badRequest("Input must not be empty.", typeof req.input === "string" ? "input" : `input[${i}]`);
  });
  const data: { object: "embedding"; index: number; embedding: number[] | string }[] = [];
  let tokens = 0;
  for (const [index, input] of inputs.entries()) {
    if (ctx.signal.aborted) return;
    let r: { vector: number[]; tokens: number };
    try {
      r = await ctx.runtime.embed(input);
    } catch (e) {
      if (e instanceof RangeError)
        throw badRequest(
          e.message,
          typeof req.input === "string" ? "input" : `input[${index}]`,
          "invalid_value",
        );
      throw e;
    }
    tokens += r.tokens;
    const embedding =
      req.encoding_format === "base64"
        ? Buffer.from(new Float32Array(r.vector).buffer).toString("base64")
        : r.vector;
    data.push({ object: "embedding", index, embedding });
  }
  ctx.stats.promptTokens = tokens;
  sendJson(ctx.res, 200, {
    object: "list",
    data,
    model: req.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}
