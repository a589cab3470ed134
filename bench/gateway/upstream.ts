// Fake OpenAI-compatible upstream for the gateway benchmark: two listeners, one answering after
// DELAY_MS (like a short LLM reply), one at once. Prints {"delayed":port,"instant":port} when ready.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const DELAY_MS = Number(process.argv[2] ?? 20);
const body = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "bench",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Hello! How can I help you today?" },
      finish_reason: "stop",
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
});
const len = String(Buffer.byteLength(body));

function server(delay: number) {
  return createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    req.resume();
    req.on("end", () => {
      const send = () => {
        res.writeHead(200, { "content-type": "application/json", "content-length": len });
        res.end(body);
      };
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
}

const listen = (s: ReturnType<typeof server>) =>
  new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
const delayed = await listen(server(DELAY_MS));
const instant = await listen(server(0));
process.stdout.write(JSON.stringify({ delayed, instant }) + "\n");
