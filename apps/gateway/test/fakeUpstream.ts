import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type TFakeUpstream = {
  url: string;
  server: Server;
  /** Bodies received, newest last. */
  received: { path: string; body: Record<string, unknown>; headers: IncomingMessage["headers"] }[];
  /** Answer the next N requests with this status before answering normally. */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
};

/**
 * A small OpenAI-compatible server (a real HTTP server on a random port): chat completions (plain and
 * SSE, usage chunk only when stream_options.include_usage), completions, embeddings. Content is
 * deterministic: it echoes "ok" tokens; usage = prompt chars/4 and completion = tokens emitted.
 */
export async function startFakeUpstream(
  opts: { delayMs?: number; tokens?: number } = {},
): Promise<TFakeUpstream> {
  const received: TFakeUpstream["received"] = [];
  let failing = 0;
  let failStatus = 500;
  const delay = opts.delayMs ?? 0;
  const nTokens = opts.tokens ?? 3;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      received.push({ path: req.url ?? "", body, headers: req.headers });
      const answer = () => {
        if (failing > 0) {
          failing--;
          res.writeHead(failStatus, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              error: { message: "upstream failure", type: "server_error", param: null, code: null },
            }),
          );
          return;
        }
        const prompt = Math.max(1, Math.ceil(text.length / 4));
        const model = String(body.model);
        const created = 1_700_000_000;
        if (req.url === "/v1/embeddings") {
          const inputs = Array.isArray(body.input) ? body.input : [body.input];
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              object: "list",
              data: inputs.map((_, i) => ({ object: "embedding", index: i, embedding: [0.1, 0.2, 0.3] })),
              model,
              usage: { prompt_tokens: prompt, total_tokens: prompt },
            }),
          );
          return;
        }
        const isChat = req.url === "/v1/chat/completions";
        const maxTokens = typeof body.max_tokens === "number" ? body.max_tokens : nTokens;
        const n = Math.min(nTokens, maxTokens);
        const usage = { prompt_tokens: prompt, completion_tokens: n, total_tokens: prompt + n };
        if (body.stream === true) {
          res.writeHead(200, { "content-type": "text/event-stream" });
          const id = "chatcmpl-fake";
          const object = isChat ? "chat.completion.chunk" : "text_completion";
          const withUsage =
            (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
          if (body.slow === true) {
            // Slow stream for client-abort tests: one chunk every 100 ms until the client goes away.
            let i = 0;
            const t = setInterval(() => {
              res.write(
                `data: ${JSON.stringify({ id, object, created, model, choices: [{ index: 0, delta: { content: `t${i++}` }, finish_reason: null }] })}\n\n`,
              );
            }, 100);
            res.on("close", () => clearInterval(t));
            return;
          }
          for (let i = 0; i < n; i++) {
            const choice = isChat
              ? {
                  index: 0,
                  delta: i === 0 ? { role: "assistant", content: "ok" } : { content: " ok" },
                  finish_reason: null,
                }
              : { index: 0, text: i === 0 ? "ok" : " ok", finish_reason: null };
            res.write(
              `data: ${JSON.stringify({ id, object, created, model, choices: [choice], ...(withUsage ? { usage: null } : {}) })}\n\n`,
            );
          }
          const last = isChat
            ? { index: 0, delta: {}, finish_reason: "stop" }
            : { index: 0, text: "", finish_reason: "stop" };
          res.write(
            `data: ${JSON.stringify({ id, object, created, model, choices: [last], ...(withUsage ? { usage: null } : {}) })}\n\n`,
          );
          if (withUsage)
            res.write(`data: ${JSON.stringify({ id, object, created, model, choices: [], usage })}\n\n`);
          res.end("data: [DONE]\n\n");
          return;
        }
        const content = Array.from({ length: n }, () => "ok").join(" ");
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify(
            isChat
              ? {
                  id: "chatcmpl-fake",
                  object: "chat.completion",
                  created,
                  model,
                  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
                  usage,
                }
              : {
                  id: "cmpl-fake",
                  object: "text_completion",
                  created,
                  model,
                  choices: [{ index: 0, text: content, finish_reason: "stop" }],
                  usage,
                },
          ),
        );
      };
      if (typeof body.delay_ms === "number") setTimeout(answer, body.delay_ms);
      else if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    server,
    received,
    failNext(n, status = 500) {
      failing = n;
      failStatus = status;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
