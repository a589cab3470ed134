// Request bodies of the OpenAI endpoints the engine serves. Unknown fields are accepted and ignored, as
// OpenAI-compatible servers do; fields we cannot honour get a 400 naming them instead of silent wrong output.

import { z } from "zod";
import { badRequest } from "./errors";

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const content = z
  .union([z.string(), z.array(z.union([textPart, z.looseObject({ type: z.string() })]))])
  .nullable();

const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: content.optional(),
  name: z.string().optional(),
});

const stop = z
  .union([z.string(), z.array(z.string()).max(4)])
  .nullable()
  .optional();
const maxTokens = z.number().int().min(1).nullable().optional();

const sampling = {
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  n: z.number().int().nullable().optional(),
  stop,
  max_tokens: maxTokens,
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().optional(),
};

export const ZChatRequest = z.looseObject({
  ...sampling,
  messages: z.array(message).min(1),
  max_completion_tokens: maxTokens,
  logprobs: z.boolean().nullable().optional(),
  response_format: z.looseObject({ type: z.string() }).nullable().optional(),
});
export type TChatRequest = z.infer<typeof ZChatRequest>;

export const ZCompletionRequest = z.looseObject({
  ...sampling,
  prompt: z.union([
    z.string(),
    z.array(z.string()),
    z.array(z.number().int()),
    z.array(z.array(z.number().int())),
  ]),
  echo: z.boolean().nullable().optional(),
  suffix: z.string().nullable().optional(),
  logprobs: z.number().int().nullable().optional(),
  best_of: z.number().int().nullable().optional(),
});
export type TCompletionRequest = z.infer<typeof ZCompletionRequest>;

export const ZEmbeddingRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().optional(),
});
export type TEmbeddingRequest = z.infer<typeof ZEmbeddingRequest>;

/** Parses a body or throws a 400 that names the first bad field (OpenAI style: `messages[0].role`). */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw badRequest("The request body must be a JSON object.");
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  // A union failure points at the union; dig into the branch that got furthest for a precise path.
  let path = issue?.path ?? [];
  let msg = issue?.message ?? "invalid request";
  if (issue?.code === "invalid_union" && "errors" in issue) {
    const deepest = (issue.errors as z.core.$ZodIssue[][])
      .flat()
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest && deepest.path.length > 0) {
      path = [...path, ...deepest.path];
      msg = deepest.message;
    }
  }
  const param = path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    "",
  );
  const missing = (body as Record<string, unknown>)[String(path[0])] === undefined && path.length === 1;
  throw badRequest(
    missing ? `Missing required parameter: '${param}'.` : `Invalid value for '${param}': ${msg}`,
    param || null,
    missing ? "missing_required_parameter" : "invalid_value",
  );
}

export const contentText = (c: z.infer<typeof content> | undefined, param: string): string => {
  if (c === null || c === undefined) return "";
  if (typeof c === "string") return c;
  return c
    .map((part, i) => {
      if (part.type !== "text" || typeof (part as { text?: unknown }).text !== "string")
        throw badRequest(
          `Content part type '${part.type}' is not supported by this model; only 'text' is.`,
          `${param}[${i}].type`,
        );
      return (part as { text: string }).text;
    })
    .join("");
};
